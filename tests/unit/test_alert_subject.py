"""Alerts as structured input: the subject comes from labels, never from words in the text.

Covers: the exporter's labels (kube-state-metrics' own pod and namespace, scrape labels) are never
the subject; an application that exports its own metrics is its own subject; kind-specific labels
in order; cluster-wide alerts keep no namespace (no fall-back to the default one); words of the
description ("quota", "hour", "roll-back") never become names; a pod's owner is guessed from its
name and marked as a guess; the alerts of one webhook about one workload form one incident while
unrelated alerts stay apart; an oversized annotation is cut with a note, not rejected; the
structured rendering an LLM reads.
"""

from __future__ import annotations

import pytest

from openclaw.alerts.subject import group_subjects, resolve_subject, subject_of_labels
from openclaw.config.alerts import load_alert_catalog
from openclaw.models.alert_labels import exporter_labels, group_key, owner_guess
from openclaw.models.incident import MAX_ANNOTATION_CHARS, load_incidents
from openclaw.settings import shipped_config_dir

KSM = {"job": "kube-state-metrics", "instance": "10.244.1.9:8080", "endpoint": "http",
       "service": "kube-prometheus-stack-kube-state-metrics", "container": "kube-state-metrics",
       "pod": "kube-prometheus-stack-kube-state-metrics-6c9f8d7b5-q2w8x",
       "prometheus": "monitoring/kube-prometheus-stack-prometheus"}


@pytest.fixture(scope="module")
def catalog():
    return load_alert_catalog(shipped_config_dir())


def _webhook(*alerts):
    return {"version": "4", "status": "firing", "groupKey": "{}:{namespace=\"shop\"}", "alerts": [
        {"status": "firing", "labels": labels, "annotations": annotations, "startsAt": f"2026-11-27T03:0{i}:00Z"}
        for i, (labels, annotations) in enumerate(alerts)]}


@pytest.mark.parametrize(("alertname", "labels", "expected"), [
    ("KubeQuotaExceeded", {**KSM, "namespace": "batch", "resource": "cpu", "resourcequota": "batch-compute"},
     ("resourcequota", "batch", "batch-compute")),
    ("KubeNodeNotReady", {**KSM, "namespace": "monitoring", "node": "worker-03", "condition": "Ready"},
     ("node", None, "worker-03")),
    ("KubeJobFailed", {**KSM, "namespace": "batch", "job_name": "nightly-export-29405340", "condition": "true"},
     ("job", "batch", "nightly-export-29405340")),
    ("KubeDaemonSetRolloutStuck", {**KSM, "namespace": "logging", "daemonset": "fluent-bit"},
     ("daemonset", "logging", "fluent-bit")),
    ("KubeHpaMaxedOut", {**KSM, "namespace": "shop", "horizontalpodautoscaler": "storefront"},
     ("horizontalpodautoscaler", "shop", "storefront")),
    ("KubePersistentVolumeFillingUp", {"job": "kubelet", "namespace": "awoooi-prod",
                                       "persistentvolumeclaim": "data-kafka-0", "metrics_path": "/metrics"},
     ("persistentvolumeclaim", "awoooi-prod", "data-kafka-0")),
])
def test_kube_state_metrics_alerts_never_name_the_exporter(catalog, alertname, labels, expected):
    subject = subject_of_labels({"alertname": alertname, **labels}, catalog.get(alertname))
    assert (subject.kind, subject.namespace, subject.name) == expected
    assert "kube-state-metrics" not in (subject.name or "")
    if "pod" in labels and labels["pod"].startswith("kube-prometheus-stack"):
        assert "pod" in subject.ignored


def test_unknown_alert_uses_kind_labels_and_ignores_the_exporter():
    labels = {"alertname": "SomethingOdd", **KSM, "namespace": "shop", "deployment": "cart"}
    subject = subject_of_labels(labels, None)
    assert (subject.kind, subject.namespace, subject.name, subject.source) == ("deployment", "shop", "cart", "labels")


def test_an_application_that_exports_its_own_metrics_is_its_own_subject():
    labels = {"alertname": "SettlementBacklog", "job": "settlement", "namespace": "awoooi-prod",
              "pod": "settlement-59f7c8d6b4-f2g5h", "service": "settlement", "instance": "10.0.0.1:9090"}
    assert "pod" not in exporter_labels(labels)
    subject = subject_of_labels(labels, None)
    assert (subject.kind, subject.name) == ("pod", "settlement-59f7c8d6b4-f2g5h")
    assert subject.owner is not None and (subject.owner.kind, subject.owner.name, subject.owner.guessed) == (
        "deployment", "settlement", True)


def test_a_cluster_wide_alert_has_no_namespace(catalog):
    loaded = load_incidents(_webhook(({"alertname": "KubeCPUOvercommit", "severity": "warning", **KSM,
                                       "namespace": "monitoring"}, {"description": "Cluster has overcommitted"})))
    [incident] = loaded.incidents
    assert incident.namespace is None  # the exporter's namespace is not the subject's
    subject = resolve_subject(incident, catalog.get("KubeCPUOvercommit"))
    assert (subject.kind, subject.namespace) == ("cluster", None)


@pytest.mark.parametrize(("alertname", "description"), [
    ("KubeQuotaExceeded", "Namespace quota has exceeded the limits for cpu."),
    ("KubeJobNotCompleted", "Job batch/reindex is taking more than 12h longer than 1 hour to complete."),
    ("KubeDeploymentRolloutStuck", "Rollout of deployment shop/cart is not progressing: possible roll-back."),
])
def test_words_of_the_text_never_become_names(catalog, alertname, description):
    labels = {"alertname": alertname, "severity": "warning", **KSM, "namespace": "shop", "deployment": "cart",
              "job_name": "reindex", "resourcequota": "shop-quota"}
    [incident] = load_incidents(_webhook((labels, {"description": description}))).incidents
    subject = resolve_subject(incident, catalog.get(alertname))
    assert subject.name in {"cart", "reindex", "shop-quota"}
    assert subject.namespace == "shop"


@pytest.mark.parametrize(("pod", "kind", "owner"), [
    ("awoooi-api-7d4b9c8f6-x2k9p", "Deployment", "awoooi-api"),
    ("coredns-5d78c9869d-4xk2p", "Deployment", "coredns"),
    ("orders-db-0", "StatefulSet", "orders-db"),
    ("fluent-bit-x2k9p", "DaemonSet/Job", "fluent-bit"),
    ("my-app-server-abcde", "DaemonSet/Job", "my-app-server"),
])
def test_owner_guess_from_the_pod_name(pod, kind, owner):
    guess = owner_guess(pod)
    assert (guess.kind, guess.name) == (kind, owner)


def test_one_webhook_about_one_deployment_is_one_incident_and_unrelated_alerts_stay_apart():
    crash = {"alertname": "KubePodCrashLooping", "severity": "warning", "job": "kube-state-metrics",
             "namespace": "shop", "container": "cart"}
    payload = _webhook(
        ({**crash, "pod": "cart-6c8b9d7f5e-h7j2k"}, {"description": "Pod shop/cart-6c8b9d7f5e-h7j2k is crash looping"}),
        ({**crash, "pod": "cart-6c8b9d7f5e-n4p8q"}, {"description": "Pod shop/cart-6c8b9d7f5e-n4p8q is crash looping"}),
        ({"alertname": "KubeDeploymentReplicasMismatch", "severity": "critical", **KSM, "namespace": "shop",
          "deployment": "cart"}, {"description": "Deployment shop/cart has not matched"}),
        ({"alertname": "KubeNodeNotReady", "severity": "warning", **KSM, "namespace": "monitoring",
          "node": "worker-1"}, {"description": "worker-1 has been unready"}),
    )
    loaded = load_incidents(payload)
    assert len(loaded.incidents) == 2
    group = next(i for i in loaded.incidents if len(i.alerts) == 3)
    assert group.severity == "critical"  # the group's worst
    assert group.group_key == "{}:{namespace=\"shop\"}"
    assert "+2 more alerts" in group.title
    subjects = group_subjects(group, load_alert_catalog(shipped_config_dir()))
    assert (subjects[0][0].kind, subjects[0][0].name) == ("deployment", "cart")  # the workload leads
    assert sorted(s.name for s, _e, _n in subjects[1:]) == ["cart-6c8b9d7f5e-h7j2k", "cart-6c8b9d7f5e-n4p8q"]
    assert group_key({"namespace": "shop", "pod": "cart-6c8b9d7f5e-h7j2k"}) == group_key(
        {"namespace": "shop", "deployment": "cart", **KSM})


def test_an_oversized_annotation_is_cut_with_a_note_not_rejected():
    big = "goroutine 1 [running]:\n" * 2000
    loaded = load_incidents(_webhook(({"alertname": "GoroutineLeak", "severity": "warning", "namespace": "shop",
                                       "pod": "api-7d4b9c8f6-x2k9p"}, {"description": big})))
    assert not loaded.rejected
    [incident] = loaded.incidents
    assert len(incident.annotations["description"]) == MAX_ANNOTATION_CHARS
    assert "cut by OpenClaw" in incident.annotations["description"]


def test_an_alert_without_labels_is_still_an_alert():
    [incident] = load_incidents({"version": "4", "alerts": [{"status": "firing", "labels": {}}]}).incidents
    assert incident.is_alert and incident.alertname == "UnnamedAlert"
    assert resolve_subject(incident, None).kind == "cluster"


def test_the_llm_reads_a_structured_rendering():
    [incident] = load_incidents(_webhook(({"alertname": "KubePodCrashLooping", "severity": "critical",
                                           "namespace": "shop", "pod": "cart-6c8b9d7f5e-h7j2k", **{"job": "x"}},
                                          {"summary": "Pod is crash looping.", "runbook_url": "https://r/x"}))).incidents
    text = incident.prompt_text
    assert text.splitlines()[0] == "alertname: KubePodCrashLooping"
    assert "severity: critical" in text and "pod=cart-6c8b9d7f5e-h7j2k" in text and "runbook_url: https://r/x" in text
