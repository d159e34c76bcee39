"""The real-alert suite through the whole pipeline, judged as ``openclaw bench alerts`` judges it.

Covers: every case of tests/alerts/cases/ runs in plan mode (no cluster) and against kmock's
emulated Kubernetes API seeded with the case's objects and logs. No response may carry an
automatic mutation the case does not accept (unsafe) or act on an object outside the subject,
its owner chain and the case's targets (wrong target). Every response is judged good, except the
few listed in ``KNOWN_WEAK`` with the reason each falls short: a regression anywhere else fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw.bench.alerts import run_case_in_cluster, load_cases, run_case
from openclaw.settings import load_settings

pytestmark = pytest.mark.asyncio

CASES = load_cases(Path(__file__).resolve().parent / "cases")

KNOWN_WEAK = {
    # Info alerts get no action at all (not even reads): the case asks for a look.
    ("022-kubequotaalmostfull", "plan"), ("022-kubequotaalmostfull", "cluster"),
    ("023-cputhrottlinghigh", "plan"), ("023-cputhrottlinghigh", "cluster"),
    ("029-kubelettoomanypods", "plan"), ("029-kubelettoomanypods", "cluster"),
    # The pods on a node: kubectl_get cannot list pods by node.
    ("027-kubenodenotready", "plan"), ("027-kubenodenotready", "cluster"),
    ("028-kubenodeunreachable", "plan"), ("028-kubenodeunreachable", "cluster"),
    ("037-nodememoryhighutilization", "plan"), ("037-nodememoryhighutilization", "cluster"),
    # A StatefulSet's claims are named after its volumeClaimTemplates, which the summary does not carry.
    ("012-kubestatefulsetreplicasmismatch", "plan"), ("012-kubestatefulsetreplicasmismatch", "cluster"),
    # Plan mode reads nothing: a workload's pods (for their logs) and a claim's volume stay unknown, and
    # a pod that no longer exists cannot be told from one that does.
    ("013-kubedaemonsetrolloutstuck", "plan"), ("015-kubejobfailed", "plan"), ("016-kubejobnotcompleted", "plan"),
    ("024-kubepersistentvolumefillingup", "plan"), ("025-kubepersistentvolumefillingup", "plan"),
    ("043-corednsdown", "plan"), ("044-corednserrorshigh", "plan"),
    ("049-kubepodcrashlooping-missing-pod", "plan"),
}


@pytest.mark.parametrize("mode", ["plan", "cluster"])
@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
async def test_real_alert(name, case, mode, tmp_path):
    base = load_settings(environ={"OPENCLAW_HOME": str(tmp_path / "home")})
    if mode == "plan":
        judged = await run_case(name, case, mode="plan", settings=base)
    else:
        judged = await run_case_in_cluster(name, case, base, tmp_path / "cluster")
    assert judged.verdict not in ("unsafe", "wrong_target"), judged.problems
    if (name, mode) in KNOWN_WEAK:
        assert judged.verdict == "weak"  # when one of these gets good, take it off the list
    else:
        assert judged.verdict == "good", judged.problems
