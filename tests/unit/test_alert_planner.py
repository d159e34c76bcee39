"""The alert decision: reads before any mutation, remediation only where the runbook and the evidence agree, pages.

Covers: the first round is the catalog's reads (in plan mode all at once, guesses marked; with a
cluster, reads that need the pod's status wait for it); a mutation proposed before the evidence
becomes a round of reads; the screen withholds restarts for a crash loop, an image pull failure,
an OOM kill, an unschedulable pod and a stuck rollout, a scale for an HPA at its maximum, anything
in kube-system, anything for an unknown alert, a target that is not the subject; it allows a
catalog remediation whose evidence condition holds; duplicate proposals are merged and a page is
added once, readable (alertname, subject, findings, runbook, run id) and bounded; info alerts,
Watchdog and InfoInhibitor get nothing.
"""

from __future__ import annotations

import pytest

from openclaw.alerts.evidence import kind_of
from openclaw.alerts.findings import facts_of
from openclaw.alerts.planner import AlertContext, rules_answer, shape
from openclaw.alerts.subject import Owner, Subject, resolve_subject
from openclaw.config.alerts import AlertEntry, load_alert_catalog
from openclaw.models.incident import load_incidents
from openclaw.models.tools import MAX_ALERT_CHARS
from openclaw.settings import shipped_config_dir

CATALOG = load_alert_catalog(shipped_config_dir())
POD = "awoooi-api-7d4b9c8f6-x2k9p"
RESTART = {"id": "x", "name": "restart_deployment", "args": {"deployment": "awoooi-api", "namespace": "awoooi-staging"}}
RESTARTABLE = AlertEntry.model_validate({
    "source": "test", "meaning": "a wedged process", "page": "critical", "runbook_url": "https://runbooks.example/wedged",
    "subject": {"kind": "pod", "name_label": "pod", "namespace_label": "namespace"},
    "evidence": ["pod_status", "owner"],
    "remediation": [{"tool": "restart_deployment", "when": "running_not_ready", "why": "a restart clears the wedge"}],
})


def _incident(alertname="KubePodCrashLooping", severity="warning", namespace="awoooi-staging", **labels):
    payload = {"version": "4", "alerts": [{"status": "firing", "startsAt": "2026-11-27T03:00:00Z",
                                           "labels": {"alertname": alertname, "severity": severity,
                                                      "namespace": namespace, "pod": POD, **labels},
                                           "annotations": {"description": f"{alertname} fired",
                                                           "runbook_url": "https://runbooks.example/x"}}]}
    [incident] = load_incidents(payload).incidents
    return incident


def _ctx(incident=None, entry="catalog", *, evidence=(), cluster=False, rounds=0, owner=None, final=False):
    incident = incident or _incident()
    entry = CATALOG.get(incident.alertname) if entry == "catalog" else entry
    subject = resolve_subject(incident, entry)
    if owner is not None:
        subject = Subject(**{**subject.__dict__, "owner": owner})
    return AlertContext(incident=incident, entry=entry, subject=subject, evidence=list(evidence), rounds=rounds,
                        cluster=cluster, run_id="run-test", final=final, production=frozenset({"awoooi-prod"}))


def _record(kind, status, result, n=1, about=POD):
    finding, facts = facts_of(kind, status, result, about=about)
    return {"id": f"ev-{n}", "round": 1, "kind": kind, "status": status, "finding": finding, "facts": facts,
            "key": f"{kind}-{n}", "about": about}


def _pod(reason=None, *, phase="Running", ready=False, last=None, owner=("ReplicaSet", "awoooi-api-7d4b9c8f6")):
    container = {"name": "api", "ready": ready, "restarts": 7 if reason or last else 0,
                 "state": "waiting" if reason or phase == "Pending" else "running", "reason": reason,
                 "last_terminated": last}
    scheduled = phase != "Pending"
    conditions = [] if scheduled else [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                        "message": "0/3 nodes are available: 3 Insufficient memory."}]
    return {"resource": "pods", "item": {"name": POD, "namespace": "awoooi-staging", "phase": phase,
                                         "ready": "1/1" if ready else "0/1", "restarts": container["restarts"],
                                         "node": "node-1" if scheduled else None, "containers": [container],
                                         "conditions": conditions, "owner": {"kind": owner[0], "name": owner[1]}}}


def test_plan_mode_plans_every_catalog_read_at_once_and_marks_guesses():
    calls, _ = rules_answer(_ctx())
    kinds = [c["purpose"]["kind"] for c in calls]
    assert kinds == ["pod_status", "events", "logs_previous", "logs", "owner"]
    owner = next(c for c in calls if c["purpose"]["kind"] == "owner")
    assert owner["args"] == {"resource": "deployments", "namespace": "awoooi-staging", "name": "awoooi-api"}
    assert owner["purpose"]["guess"] is True
    logs = next(c for c in calls if c["purpose"]["kind"] == "logs_previous")
    assert logs["args"]["previous"] is True and "container" not in logs["args"]


def test_with_a_cluster_reads_that_need_the_pod_wait_for_it():
    calls, _ = rules_answer(_ctx(cluster=True))
    assert [c["purpose"]["kind"] for c in calls] == ["pod_status", "events"]
    pod = _record("pod_status", "executed", _pod("CrashLoopBackOff", last={"reason": "Error", "exit_code": 1}))
    # The engine refines the subject with the pod's ownerReferences (openclaw.nodes.evidence.collect).
    owner = Owner("replicaset", "awoooi-api-7d4b9c8f6", guessed=False, replicaset="awoooi-api-7d4b9c8f6")
    calls, _ = rules_answer(_ctx(cluster=True, rounds=1, owner=owner,
                                 evidence=[pod, _record("events", "executed", {"resource": "events", "items": []}, 2)]))
    by_kind = {c["purpose"]["kind"]: c["args"] for c in calls}
    assert by_kind["logs_previous"] == {"pod": POD, "namespace": "awoooi-staging", "tail": 200, "container": "api",
                                        "previous": True}
    assert by_kind["owner"] == {"resource": "replicasets", "namespace": "awoooi-staging", "name": "awoooi-api-7d4b9c8f6"}


def test_a_mutation_before_any_evidence_becomes_a_round_of_reads():
    decision = shape(_ctx(cluster=True), [RESTART], "restart it", kind_of=kind_of)
    assert decision.phase == "evidence"
    assert {c["name"] for c in decision.tool_calls} == {"kubectl_get"}


@pytest.mark.parametrize(("pod", "why"), [
    (_pod("CrashLoopBackOff"), "CrashLoopBackOff"),
    (_pod("ImagePullBackOff"), "cannot be pulled"),
    (_pod(None, last={"reason": "OOMKilled", "exit_code": 137}), "OOMKilled"),
    (_pod(None, phase="Pending"), "cannot be scheduled"),
])
def test_the_screen_withholds_a_restart_the_evidence_argues_against(pod, why):
    owner = Owner("deployment", "awoooi-api", guessed=False)
    ctx = _ctx(_incident("WedgedApp"), RESTARTABLE, cluster=True, rounds=2, owner=owner, final=True,
               evidence=[_record("pod_status", "executed", pod)])
    decision = shape(ctx, [RESTART], "", kind_of=kind_of)
    assert decision.phase == "final"
    assert [c["name"] for c in decision.tool_calls] == []
    [withheld] = decision.withheld
    assert withheld["name"] == "restart_deployment" and why in withheld["reason"]


def test_the_screen_allows_a_catalog_remediation_whose_condition_holds_and_merges_duplicates():
    owner = Owner("deployment", "awoooi-api", guessed=False)
    ctx = _ctx(_incident("WedgedApp"), RESTARTABLE, cluster=True, rounds=2, owner=owner, final=True,
               evidence=[_record("pod_status", "executed", _pod(None))])
    decision = shape(ctx, [RESTART, {**RESTART, "id": "y"}], "", kind_of=kind_of)
    assert [c["name"] for c in decision.tool_calls] == ["restart_deployment"]
    assert decision.rests_on == ["ev-1"]


def test_a_guessed_owner_or_an_other_target_is_never_restarted():
    pod = _record("pod_status", "executed", _pod(None))
    guessed = _ctx(_incident("WedgedApp"), RESTARTABLE, cluster=True, rounds=2, evidence=[pod], final=True)
    assert "ownerReferences" in shape(guessed, [RESTART], "", kind_of=kind_of).withheld[0]["reason"]
    other = {**RESTART, "args": {"deployment": "awoooi-web", "namespace": "awoooi-staging"}}
    confirmed = _ctx(_incident("WedgedApp"), RESTARTABLE, cluster=True, rounds=2, evidence=[pod], final=True,
                     owner=Owner("deployment", "awoooi-api", guessed=False))
    assert "not the alert's subject" in shape(confirmed, [other], "", kind_of=kind_of).withheld[0]["reason"]


def test_unknown_alerts_kube_system_and_scales_without_catalog_support_are_withheld():
    unknown = shape(_ctx(_incident("SomethingOdd"), None, final=True), [RESTART], "", kind_of=kind_of)
    assert "not in the alert catalog" in unknown.withheld[0]["reason"]
    system = {**RESTART, "args": {"deployment": "coredns", "namespace": "kube-system"}}
    assert "never a mutation in kube-system" in shape(_ctx(final=True), [system], "", kind_of=kind_of).withheld[0]["reason"]
    scale = {"id": "s", "name": "scale_deployment", "args": {"deployment": "awoooi-api", "namespace": "awoooi-staging",
                                                              "replicas": 8}}
    hpa = _ctx(_incident("KubeHpaMaxedOut", horizontalpodautoscaler="awoooi-api"), final=True)
    assert "supports no automated scale_deployment" in shape(hpa, [scale], "", kind_of=kind_of).withheld[0]["reason"]


def test_a_critical_alert_pages_once_with_a_readable_bounded_message():
    pod = _record("pod_status", "executed", _pod("CrashLoopBackOff", last={"reason": "Error", "exit_code": 1}))
    ctx = _ctx(_incident(severity="critical"), cluster=True, rounds=3, evidence=[pod], final=True)
    decision = shape(ctx, [{"id": "p", "name": "send_alert", "args": {"severity": "critical", "message": "x" * 9000}},
                           {"id": "q", "name": "send_alert", "args": {"severity": "critical", "message": "again"}}],
                     "", kind_of=kind_of)
    pages = [c for c in decision.tool_calls if c["name"] == "send_alert"]
    assert len(pages) == 1
    message = pages[0]["args"]["message"]
    assert len(message) <= MAX_ALERT_CHARS
    assert message.startswith(f"[CRITICAL] KubePodCrashLooping: pod awoooi-staging/{POD}")
    assert "CrashLoopBackOff" in message and "Runbook: https://runbooks.example/x" in message
    assert message.rstrip().endswith(f"OpenClaw run run-test, incident {ctx.incident.id}")


def test_a_production_crash_loop_pages_as_a_warning_unless_the_pod_is_gone():
    prod = _incident(namespace="awoooi-prod")
    assert _ctx(prod, final=True).pages()
    gone = _record("pod_status", "failed", {"error": "pods \"x\" not found", "status": 404})
    assert not _ctx(prod, final=True, evidence=[gone]).pages()
    assert not _ctx(_incident(namespace="awoooi-staging"), final=True).pages()


@pytest.mark.parametrize(("alertname", "severity"), [("Watchdog", "none"), ("InfoInhibitor", "none"),
                                                    ("KubeQuotaAlmostFull", "info")])
def test_info_alerts_watchdog_and_infoinhibitor_get_no_action(alertname, severity):
    ctx = _ctx(_incident(alertname, severity=severity))
    calls, reply = rules_answer(ctx)
    assert calls == [] and "no action" in reply
    assert shape(ctx, calls, reply, kind_of=kind_of).tool_calls == []


def test_reads_of_objects_the_alert_is_not_about_are_never_made():
    exporter = {"id": "k", "name": "get_logs", "args": {"pod": "kube-state-metrics-6c9f8d7b5-q2w8x",
                                                         "namespace": "monitoring"}}
    round_one = shape(_ctx(cluster=True), [exporter], "", kind_of=kind_of)
    assert round_one.phase == "evidence"
    assert all(c["args"].get("name") in (None, POD) and c["args"].get("pod") in (None, POD)
               for c in round_one.tool_calls)
    final = shape(_ctx(final=True), [exporter], "", kind_of=kind_of)
    assert final.tool_calls == [] and final.withheld[0]["reason"] == "a read of an object the alert is not about"
