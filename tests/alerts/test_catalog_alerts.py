"""Every entry of the shipped alert catalog, fired as kube-prometheus-stack would fire it, in plan mode.

Covers, for each alertname in configs/alerts.yaml: an alert carrying the labels its entry names
plus the scrape labels of kube-state-metrics (its own pod, container and, for cluster-scoped
subjects, namespace) is read as the entry's subject, never as the exporter; every evidence kind the
entry lists that plan mode can plan is planned, about that subject; no mutation is proposed (the
shipped catalog supports none); a critical alert pages exactly when the entry's policy says so,
with the runbook in the page; no action names the exporter's pod.
"""

from __future__ import annotations

import pytest

from openclaw.config.alerts import CLUSTER_SCOPED, NO_OBJECT, load_alert_catalog
from openclaw.models.incident import load_incidents
from openclaw.settings import load_settings, shipped_config_dir
from openclaw.wiring import open_engine

pytestmark = pytest.mark.asyncio

CATALOG = load_alert_catalog(shipped_config_dir())
EXPORTER_POD = "kube-prometheus-stack-kube-state-metrics-6c9f8d7b5-q2w8x"
NAMES = {"pod": "checkout-7d4b9c8f6-x2k9p", "node": "worker-2", "persistentvolume": "pvc-0a1b2c3d",
         "namespace": "shop"}
# Kinds a plan can name without reading anything first (the rest need an earlier read's result).
PLANNABLE = {"pod_status", "events", "workload", "hpa", "pvc", "node", "nodes", "resourcequota", "service",
             "owner", "logs", "logs_previous"}


def _alert(alertname, entry):
    subject = entry.subject
    labels = {"alertname": alertname, "severity": "critical", "job": "kube-state-metrics",
              "instance": "10.244.1.9:8080", "endpoint": "http", "service": "kube-prometheus-stack-kube-state-metrics",
              "pod": EXPORTER_POD, "container": "kube-state-metrics", "namespace": "monitoring"}
    name = NAMES.get(subject.kind, f"{subject.kind[:8]}-checkout")
    if subject.name_label:
        labels[subject.name_label] = name
    if subject.namespace_label:
        labels[subject.namespace_label] = "shop"
    if subject.container_label:
        labels[subject.container_label] = "app"
    return labels, subject.name or name


@pytest.mark.parametrize("alertname", sorted(CATALOG.alerts))
async def test_every_catalog_entry_in_plan_mode(alertname, tmp_path):
    entry = CATALOG.alerts[alertname]
    labels, name = _alert(alertname, entry)
    payload = {"version": "4", "alerts": [{"status": "firing", "labels": labels, "startsAt": "2026-11-27T03:00:00Z",
                                           "annotations": {"description": f"{alertname} fired"}}]}
    [incident] = load_incidents(payload).incidents
    async with open_engine(load_settings(environ={"OPENCLAW_HOME": str(tmp_path)})) as engine:
        result = await engine.run(incident)

    subject = result["subject"]
    assert subject["kind"] == entry.subject.kind or (entry.subject.kind == "none" and subject["kind"] == "none")
    if entry.subject.kind not in NO_OBJECT:
        assert subject["name"] == name
        expected_ns = entry.subject.namespace or ("shop" if entry.subject.kind not in CLUSTER_SCOPED else None)
        assert subject["namespace"] == (name if entry.subject.kind == "namespace" else expected_ns)
    actions = result["actions"]
    assert not any(a["mutating"] for a in actions), [a["name"] for a in actions]
    assert not any(EXPORTER_POD in str(a["args"]) for a in actions if a["name"] != "send_alert")
    reads = {e["kind"] for e in result["evidence"]}
    guessable = {"owner"} if entry.subject.kind == "pod" else set()
    needs_a_read = {"logs", "logs_previous"} if entry.subject.kind != "pod" else set()
    expected_reads = (set(entry.evidence) & PLANNABLE) - needs_a_read - ({"owner"} - guessable)
    if entry.subject.kind == "horizontalpodautoscaler":
        expected_reads.discard("pod_status")  # the target's pods: named after a target known once the HPA is read
    assert expected_reads <= reads, sorted(expected_reads - reads)
    pages = [a for a in actions if a["name"] == "send_alert"]
    assert len(pages) == (0 if entry.page == "never" else 1)
    if pages:
        assert pages[0]["args"]["message"].startswith(f"[CRITICAL] {alertname}:")
        assert entry.runbook_url in pages[0]["args"]["message"]
