"""The real-alert suite in tests/alerts/cases/: every case file is well formed.

Covers: each file parses and has exactly the documented keys; the payload is an
Alertmanager version-4 webhook as Alertmanager sends it (common labels and annotations
are the intersection of the alerts', status follows the alerts, every alert carries
alertname, times, generator URL and a fingerprint); ``load_incidents`` accepts every
firing payload without loss, records a resolved-only payload as resolved and nothing
else, and either accepts an oversized alert or records it as rejected with a readable
one-line reason; expectations use only the closed sets (evidence kinds, subject kinds,
mutating tools with valid arguments) and stay consistent (the subject and mutated
deployments are targets, no target lives in the exporters' namespace unless the subject
does, resolved-only expects nothing); Kubernetes objects have apiVersion, kind and
metadata.name, namespaced kinds a namespace, no duplicates; a Pod's owner chain
(ReplicaSet → Deployment, StatefulSet, DaemonSet, Job) resolves inside the case, as do
Events' involved objects and HPAs' scale targets; each log entry names a pod and a
container that exist; a pod named in an alert's labels exists (so reading the exporter's
own pod is visibly wrong) unless it is the deliberately missing subject; and the suite
covers the alerts it promises.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from openclaw.models.incident import load_incidents

CASES_DIR = Path(__file__).resolve().parent / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.json"))

TOP_KEYS = {"name", "about", "payload", "cluster", "expect"}
OPTIONAL_TOP_KEYS = {"resolved_only"}
PAYLOAD_KEYS = {"version", "groupKey", "status", "receiver", "groupLabels", "commonLabels", "commonAnnotations",
                "externalURL", "truncatedAlerts", "alerts"}
ALERT_KEYS = {"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}
EXPECT_KEYS = {"subject", "reads", "mutations", "page", "targets"}
READS = {"pod_status", "events", "logs", "logs_previous", "owner", "workload", "hpa", "pvc", "pv", "node", "nodes",
         "resourcequota", "service"}
SUBJECT_KINDS = {"pod", "deployment", "statefulset", "daemonset", "replicaset", "job", "horizontalpodautoscaler",
                 "persistentvolumeclaim", "persistentvolume", "node", "namespace", "resourcequota", "service", "cluster"}
CLUSTER_SCOPED_SUBJECTS = {"node", "persistentvolume", "namespace", "cluster"}
CLUSTER_SCOPED_KINDS = {"Node", "PersistentVolume", "Namespace", "StorageClass", "ClusterRole", "ClusterRoleBinding"}
MUTATIONS = {"restart_deployment": {"deployment", "namespace"}, "scale_deployment": {"deployment", "namespace", "replicas"}}
EXPORTER_NAMESPACE = "monitoring"
RFC1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
OVERSIZED_CHARS = 16_000
EMPTY_EXPECT = {"subject": None, "reads": [], "mutations": [], "page": False, "targets": []}

# The alerts the suite promises to cover (each must appear in at least one payload).
REQUIRED_ALERTS = {
    "KubePodCrashLooping", "KubePodNotReady", "KubeContainerWaiting", "KubeDeploymentReplicasMismatch",
    "KubeDeploymentRolloutStuck", "KubeDeploymentGenerationMismatch", "KubeStatefulSetReplicasMismatch",
    "KubeDaemonSetRolloutStuck", "KubeDaemonSetNotScheduled", "KubeJobFailed", "KubeJobNotCompleted", "KubeHpaMaxedOut",
    "KubeHpaReplicasMismatch", "KubeCPUOvercommit", "KubeMemoryOvercommit", "KubeQuotaExceeded", "KubeQuotaAlmostFull",
    "CPUThrottlingHigh", "KubePersistentVolumeFillingUp", "KubePersistentVolumeErrors", "KubeNodeNotReady",
    "KubeNodeUnreachable", "KubeletTooManyPods", "KubeletDown", "KubeAPIDown", "KubeAPIErrorBudgetBurn",
    "KubeClientCertificateExpiration", "KubeVersionMismatch", "NodeFilesystemAlmostOutOfSpace",
    "NodeFilesystemSpaceFillingUp", "NodeMemoryHighUtilization", "NodeClockNotSynchronising", "NodeNetworkReceiveErrs",
    "TargetDown", "Watchdog", "InfoInhibitor", "CoreDNSDown", "CoreDNSErrorsHigh",
}


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def objects(case: dict[str, Any]) -> list[dict[str, Any]]:
    return case["cluster"]["objects"]


def index(case: dict[str, Any]) -> dict[tuple[str, str | None, str], dict[str, Any]]:
    """(kind, namespace, name) → object."""
    return {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o for o in objects(case)}


def is_oversized(case: dict[str, Any]) -> bool:
    return any(len(v) > OVERSIZED_CHARS for a in case["payload"]["alerts"] for v in a["annotations"].values())


def subject_exists(case: dict[str, Any]) -> bool:
    subject = case["expect"]["subject"]
    kind = {"horizontalpodautoscaler": "HorizontalPodAutoscaler", "persistentvolumeclaim": "PersistentVolumeClaim",
            "persistentvolume": "PersistentVolume", "resourcequota": "ResourceQuota", "statefulset": "StatefulSet",
            "daemonset": "DaemonSet", "replicaset": "ReplicaSet"}.get(subject["kind"], subject["kind"].capitalize())
    return (kind, subject.get("namespace"), subject["name"]) in index(case)


@pytest.fixture(params=CASE_FILES, ids=[p.stem for p in CASE_FILES])
def case(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load(request.param)


def test_the_suite_is_there() -> None:
    assert len(CASE_FILES) >= 40
    for path in CASE_FILES:
        assert re.fullmatch(r"\d{3}-[a-z0-9-]+\.json", path.name), path.name
    numbers = [p.name[:3] for p in CASE_FILES]
    assert len(numbers) == len(set(numbers)), "case numbers must be unique"


def test_the_suite_covers_the_promised_alerts() -> None:
    seen = {a["labels"]["alertname"] for p in CASE_FILES for a in load(p)["payload"]["alerts"]}
    assert REQUIRED_ALERTS <= seen, sorted(REQUIRED_ALERTS - seen)


def test_the_suite_covers_the_edge_cases() -> None:
    cases = [load(p) for p in CASE_FILES]
    assert sum(1 for c in cases if c.get("resolved_only")) >= 1
    assert sum(1 for c in cases if is_oversized(c)) >= 1
    assert any(len(c["payload"]["alerts"]) >= 3 and c["expect"]["subject"]["kind"] == "deployment"
               for c in cases if c["expect"]["subject"])
    assert any(set(a["labels"]) == {"alertname"} for c in cases for a in c["payload"]["alerts"])
    assert any(c["expect"]["subject"] and c["expect"]["subject"]["kind"] == "pod" and not subject_exists(c) for c in cases)
    assert any(c["expect"]["mutations"] for c in cases), "at least one case accepts a mutation"
    names = {a["labels"]["alertname"] for c in cases for a in c["payload"]["alerts"]}
    assert names - REQUIRED_ALERTS, "at least one alert no public rule defines"


def test_keys(case: dict[str, Any]) -> None:
    assert TOP_KEYS <= set(case) <= TOP_KEYS | OPTIONAL_TOP_KEYS
    assert isinstance(case["name"], str) and case["name"].strip()
    assert isinstance(case["about"], str) and len(case["about"]) > 80
    assert set(case["cluster"]) == {"objects", "logs"}
    assert set(case["expect"]) == EXPECT_KEYS


def test_payload_is_an_alertmanager_v4_webhook(case: dict[str, Any]) -> None:
    payload = case["payload"]
    assert set(payload) == PAYLOAD_KEYS
    assert payload["version"] == "4"
    assert payload["alerts"], "a webhook always carries at least one alert"
    assert payload["groupKey"].startswith("{}")
    assert payload["truncatedAlerts"] == 0
    for alert in payload["alerts"]:
        assert set(alert) == ALERT_KEYS
        assert alert["status"] in ("firing", "resolved")
        assert alert["labels"].get("alertname")
        assert all(isinstance(v, str) for v in {**alert["labels"], **alert["annotations"]}.values())
        assert re.fullmatch(r"[0-9a-f]{16}", alert["fingerprint"])
        assert alert["generatorURL"].startswith("http")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", alert["startsAt"])
        if alert["status"] == "firing":
            assert alert["endsAt"] == "0001-01-01T00:00:00Z"
        else:
            assert alert["endsAt"] > alert["startsAt"]
        runbook = alert["annotations"].get("runbook_url")
        assert runbook is None or runbook.startswith("https://")
    firing = any(a["status"] == "firing" for a in payload["alerts"])
    assert payload["status"] == ("firing" if firing else "resolved")
    common = dict(payload["alerts"][0]["labels"])
    for alert in payload["alerts"][1:]:
        common = {k: v for k, v in common.items() if alert["labels"].get(k) == v}
    assert payload["commonLabels"] == common
    common_ann = dict(payload["alerts"][0]["annotations"])
    for alert in payload["alerts"][1:]:
        common_ann = {k: v for k, v in common_ann.items() if alert["annotations"].get(k) == v}
    assert payload["commonAnnotations"] == common_ann
    assert all(payload["commonLabels"].get(k) == v for k, v in payload["groupLabels"].items())
    fingerprints = [a["fingerprint"] for a in payload["alerts"]]
    assert len(fingerprints) == len(set(fingerprints))


def test_load_incidents_accepts_the_payload(case: dict[str, Any]) -> None:
    loaded = load_incidents(case["payload"])
    alerts = case["payload"]["alerts"]
    firing = [a for a in alerts if a["status"] == "firing"]
    if case.get("resolved_only"):
        assert not firing
        assert loaded.incidents == [] and loaded.rejected == []
        assert len(loaded.resolved) == len(alerts)
        return
    assert firing
    if is_oversized(case):
        # Accepted (possibly truncated) or recorded as rejected with a readable reason: never lost, never a crash.
        assert len(loaded.incidents) + len(loaded.rejected) >= 1
        for rejected in loaded.rejected:
            assert rejected.error and "\n" not in rejected.error
            assert rejected.incident_id and rejected.incident_id.startswith("am-")
        for incident in loaded.incidents:
            assert incident.labels["alertname"] == firing[0]["labels"]["alertname"]
        return
    assert loaded.rejected == [], [r.error for r in loaded.rejected]
    # One incident per alert today; the design allows one per group and subject, never none.
    assert 1 <= len(loaded.incidents) <= len(firing)
    names = {a["labels"]["alertname"] for a in firing}
    for incident in loaded.incidents:
        assert incident.source == "alertmanager"
        assert incident.id.startswith("am-")
        assert incident.labels["alertname"] in names
        assert incident.description.strip()


def test_expectations_use_the_closed_sets(case: dict[str, Any]) -> None:
    expect = case["expect"]
    if case.get("resolved_only"):
        assert expect == EMPTY_EXPECT
        return
    assert isinstance(expect["page"], bool)
    assert len(expect["reads"]) == len(set(expect["reads"]))
    assert set(expect["reads"]) <= READS, sorted(set(expect["reads"]) - READS)
    subject = expect["subject"]
    if subject is None:
        assert expect["reads"] == [] and expect["mutations"] == []
    else:
        assert subject["kind"] in SUBJECT_KINDS
        if subject["kind"] != "cluster":
            assert RFC1123.match(subject["name"]), subject
            assert subject["name"] in expect["targets"]
        if subject["kind"] in CLUSTER_SCOPED_SUBJECTS:
            assert "namespace" not in subject
        else:
            assert RFC1123.match(subject["namespace"])
    for target in expect["targets"]:
        assert isinstance(target, str) and RFC1123.match(target), target
    for mutation in expect["mutations"]:
        assert set(mutation) == {"name", "args"}
        assert mutation["name"] in MUTATIONS
        assert set(mutation["args"]) == MUTATIONS[mutation["name"]]
        assert mutation["args"]["deployment"] in expect["targets"]
        assert mutation["args"]["namespace"] != "kube-system"
        assert ("Deployment", mutation["args"]["namespace"], mutation["args"]["deployment"]) in index(case)


def test_targets_stay_out_of_the_exporters_namespace(case: dict[str, Any]) -> None:
    subject = case["expect"]["subject"] or {}
    if subject.get("namespace") == EXPORTER_NAMESPACE:
        return
    in_monitoring = {o["metadata"]["name"] for o in objects(case) if o["metadata"].get("namespace") == EXPORTER_NAMESPACE}
    assert not in_monitoring & set(case["expect"]["targets"])


def test_kubernetes_objects_are_complete(case: dict[str, Any]) -> None:
    seen = set()
    for obj in objects(case):
        assert obj.get("apiVersion") and obj.get("kind"), obj
        name = obj.get("metadata", {}).get("name")
        assert name, obj
        namespace = obj["metadata"].get("namespace")
        if obj["kind"] in CLUSTER_SCOPED_KINDS:
            assert namespace is None, name
        else:
            assert namespace, f"{obj['kind']} {name} has no namespace"
        key = (obj["kind"], namespace, name)
        assert key not in seen, key
        seen.add(key)
        if obj["kind"] == "Event":
            assert {"involvedObject", "reason", "message", "type", "count", "lastTimestamp"} <= set(obj)
            assert obj["type"] in ("Normal", "Warning")


def test_owner_chains_resolve(case: dict[str, Any]) -> None:
    idx = index(case)
    for obj in objects(case):
        if obj["kind"] not in ("Pod", "ReplicaSet", "Job"):
            continue
        for ref in obj["metadata"].get("ownerReferences", []):
            owner = idx.get((ref["kind"], obj["metadata"]["namespace"], ref["name"]))
            assert owner is not None, f"{obj['kind']} {obj['metadata']['name']} names a missing {ref['kind']} {ref['name']}"
            assert ref["uid"] == owner["metadata"]["uid"]
            if obj["kind"] == "Pod" and ref["kind"] == "ReplicaSet":
                assert ref.get("controller") is True
                assert any(r["kind"] == "Deployment" for r in owner["metadata"].get("ownerReferences", []))


def test_references_resolve(case: dict[str, Any]) -> None:
    idx = index(case)
    for obj in objects(case):
        if obj["kind"] == "Event":
            inv = obj["involvedObject"]
            assert (inv["kind"], inv.get("namespace"), inv["name"]) in idx, inv
        if obj["kind"] == "HorizontalPodAutoscaler":
            ref = obj["spec"]["scaleTargetRef"]
            assert (ref["kind"], obj["metadata"]["namespace"], ref["name"]) in idx


def test_logs_name_pods_and_containers_that_exist(case: dict[str, Any]) -> None:
    idx = index(case)
    for entry in case["cluster"]["logs"]:
        assert set(entry) == {"namespace", "pod", "container", "previous", "text"}
        assert isinstance(entry["previous"], bool) and entry["text"].strip()
        pod = idx.get(("Pod", entry["namespace"], entry["pod"]))
        assert pod is not None, f"log for missing pod {entry['namespace']}/{entry['pod']}"
        containers = {c["name"] for c in pod["spec"]["containers"] + pod["spec"].get("initContainers", [])}
        assert entry["container"] in containers


def test_pods_named_by_alerts_exist(case: dict[str, Any]) -> None:
    """A pod label points at a real pod, except the deliberately missing subject.

    With kube-state-metrics' honorLabels, a metric without a pod label (deployment, job, quota, node...) keeps
    its own namespace but takes the exporter's pod: ``namespace="shop", pod="kube-state-metrics-..."``. That
    pod must exist in the case (in the exporters' namespace), so a response that reads it is visibly wrong.
    """
    subject = case["expect"]["subject"] or {}
    pods = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects(case) if o["kind"] == "Pod"}
    for alert in case["payload"]["alerts"]:
        labels = alert["labels"]
        if "pod" not in labels or case.get("resolved_only"):
            continue
        if subject.get("kind") == "pod" and labels["pod"] == subject["name"] and not subject_exists(case):
            continue
        assert (labels.get("namespace"), labels["pod"]) in pods or (EXPORTER_NAMESPACE, labels["pod"]) in pods, labels["pod"]


def test_subject_exists_in_the_cluster(case: dict[str, Any]) -> None:
    subject = case["expect"]["subject"]
    if subject is None or subject["kind"] == "cluster":
        return
    if subject["kind"] == "pod" and not subject_exists(case):
        # The case about an alert naming a pod the cluster no longer has: its owner must still be there.
        assert any(o["kind"] == "ReplicaSet" and subject["name"].startswith(o["metadata"]["name"] + "-") for o in objects(case))
        return
    assert subject_exists(case), subject
