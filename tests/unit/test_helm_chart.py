"""charts/openclaw: rendered with Helm's own template engine, the chart gives valid objects with the same rules.

Covers: with the default values (release `openclaw` in namespace `openclaw`) every rendered
object is valid for the Kubernetes API (the same round trip through the official client's models
as tests/unit/test_k8s_manifests.py) and the Deployment meets the same N-replica checks
(2 replicas, database URL from a Secret, db upgrade initContainer, /readyz, maxUnavailable 0,
spread, grace, PDB selecting its pods); the RBAC grants exactly what the tools declare, as
configs/k8s/rbac.yaml does; `replicas` sets OPENCLAW_REPLICAS; database.secretName "" gives one
SQLite pod (no initContainer, no PDB, Recreate), and more than one replica without PostgreSQL
fails to render; replicas 1 on PostgreSQL fails the checks.

The renderer is helm-python-sdk (Helm SDK v4 behind a C ABI) in .tools/helm, installed by
`bash .ci/helm` (CI runs it); without it the test is skipped, or fails under OPENCLAW_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_k8s_manifests import deployment_problems, schema_problems
from test_rbac import EXPECTED, _granted

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "openclaw"
HELM_PYTHON = Path(os.environ.get("OPENCLAW_HELM_PYTHON", ROOT / ".tools" / "helm" / "bin" / "python"))

RENDER = """
import json, sys
import helm_python as helm
chart, name, namespace, values = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
with helm.Chart.load(chart) as c:
    print(json.dumps(c.render(values, name=name, namespace=namespace)))
"""


@pytest.fixture(scope="module")
def helm_python() -> Path:
    ok = HELM_PYTHON.is_file() and subprocess.run([HELM_PYTHON, "-c", "import helm_python"],
                                                 capture_output=True).returncode == 0
    if not ok:
        why = f"no Helm renderer at {HELM_PYTHON} (install it with `bash .ci/helm`)"
        if os.environ.get("OPENCLAW_REQUIRE_SERVICES"):
            pytest.fail(why)
        pytest.skip(why)
    return HELM_PYTHON


def _render(helm_python: Path, values: dict[str, Any] | None = None,
            name: str = "openclaw", namespace: str = "openclaw") -> list[dict[str, Any]]:
    out = subprocess.run([helm_python, "-c", RENDER, str(CHART), name, namespace, json.dumps(values or {})],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "render failed")
    docs: list[dict[str, Any]] = []
    for path, text in sorted(json.loads(out.stdout).items()):
        if path.endswith((".yaml", ".yml")):
            docs += [d for d in yaml.safe_load_all(text) if d]
    return docs


def _deployment(docs: list[dict[str, Any]]) -> dict[str, Any]:
    [dep] = [d for d in docs if d["kind"] == "Deployment"]
    return dep


def _env(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    [main] = _deployment(docs)["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e for e in main["env"]}


def test_defaults_render_valid_objects_that_run_replicas_on_postgresql(helm_python: Path) -> None:
    docs = _render(helm_python)
    assert {d["kind"] for d in docs} >= {"Deployment", "Service", "PodDisruptionBudget", "ServiceAccount",
                                         "ClusterRole", "ClusterRoleBinding", "RoleBinding"}
    problems = {f"{d['kind']}/{d['metadata']['name']}": schema_problems(d) for d in docs}
    assert {k: v for k, v in problems.items() if v} == {}
    assert deployment_problems(docs) == []


def test_rbac_grants_what_the_tools_declare(helm_python: Path) -> None:
    docs = _render(helm_python)
    granted, via = _granted(docs)
    assert granted == EXPECTED
    assert via["nodes"] == via["persistentvolumes"] == "ClusterRoleBinding"
    bound = {(b["metadata"]["namespace"], b["roleRef"]["name"]) for b in docs if b["kind"] == "RoleBinding"}
    assert bound == {("awoooi-prod", "openclaw-reader"), ("awoooi-prod", "openclaw-operator"),
                     ("awoooi-staging", "openclaw-reader"), ("awoooi-staging", "openclaw-operator"),
                     ("kube-system", "openclaw-reader")}


def test_replicas_sets_openclaw_replicas(helm_python: Path) -> None:
    docs = _render(helm_python, {"replicas": 3})
    assert _deployment(docs)["spec"]["replicas"] == 3
    assert _env(docs)["OPENCLAW_REPLICAS"]["value"] == "3"


def test_sqlite_is_one_pod(helm_python: Path) -> None:
    docs = _render(helm_python, {"replicas": 1, "database": {"secretName": ""}})
    spec = _deployment(docs)["spec"]
    assert spec["replicas"] == 1 and spec["strategy"] == {"type": "Recreate"}
    assert "initContainers" not in spec["template"]["spec"]
    assert "OPENCLAW_DATABASE_URL" not in _env(docs)
    assert not [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    assert all(schema_problems(d) == [] for d in docs)
    with pytest.raises(RuntimeError, match="SQLite cannot be shared"):
        _render(helm_python, {"replicas": 2, "database": {"secretName": ""}})


def test_the_checks_fail_on_replicas_1(helm_python: Path) -> None:
    assert deployment_problems(_render(helm_python, {"replicas": 1}))
