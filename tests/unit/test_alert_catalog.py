"""openclaw.config.alerts: the shipped alert catalog and its loader.

Covers: the shipped configs/alerts.yaml loads and holds every alert of the rule sets it
claims (kubernetes-mixin, node-exporter, kube-prometheus general, CoreDNS); every runbook is
https; no remediation for the alerts where a restart or scale never helps (crash loops,
waiting containers, stuck rollouts, maxed-out HPAs, quotas, overcommit, CoreDNS) nor
anything in kube-system; cluster-scoped subjects carry no namespace; the subject labels
match what each rule's expression keeps; Watchdog and InfoInhibitor never page. Bad files
(unknown field, unknown evidence kind, namespace_label on a node, http runbook, a subject
that names nothing, evidence the subject cannot have, a remediation in kube-system or
without the evidence its condition needs, an alertname twice in one file, bad YAML) are refused with one line naming the
file and the field. alerts.d/*.yaml files replace shipped entries in file-name order,
may not carry a version, and a config dir without alerts.yaml gets the shipped one. The
catalog reaches Configs (with per-file hashes), the config snapshot records alerts.yaml
and alerts.d/ files and writes them back, refusing names that leave the directory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from openclaw.config import load_configs
from openclaw.config.alerts import (
    CLUSTER_SCOPED,
    EVIDENCE_KINDS,
    SUBJECT_KINDS,
    AlertCatalog,
    AlertEntry,
    load_alert_catalog,
)
from openclaw.config.snapshot import snapshot_configs, write_configs
from openclaw.errors import ConfigError
from openclaw.settings import shipped_config_dir

KUBERNETES_APPS = [
    "KubePodCrashLooping", "KubePodNotReady", "KubeDeploymentGenerationMismatch", "KubeDeploymentReplicasMismatch",
    "KubeDeploymentRolloutStuck", "KubeStatefulSetReplicasMismatch", "KubeStatefulSetGenerationMismatch",
    "KubeStatefulSetUpdateNotRolledOut", "KubeDaemonSetRolloutStuck", "KubeContainerWaiting",
    "KubeDaemonSetNotScheduled", "KubeDaemonSetMisScheduled", "KubeJobNotCompleted", "KubeJobFailed",
    "KubeHpaReplicasMismatch", "KubeHpaMaxedOut", "KubePdbNotEnoughHealthyPods",
]
KUBERNETES_RESOURCES = [
    "KubeCPUOvercommit", "KubeMemoryOvercommit", "KubeCPUQuotaOvercommit", "KubeMemoryQuotaOvercommit",
    "KubeQuotaAlmostFull", "KubeQuotaFullyUsed", "KubeQuotaExceeded", "CPUThrottlingHigh",
]
KUBERNETES_STORAGE = [
    "KubePersistentVolumeFillingUp", "KubePersistentVolumeInodesFillingUp", "KubePersistentVolumeErrors",
]
KUBERNETES_SYSTEM = [
    "KubeVersionMismatch", "KubeClientErrors", "KubeNodeNotReady", "KubeNodeUnreachable", "KubeletTooManyPods",
    "KubeNodeReadinessFlapping", "KubeletPlegDurationHigh", "KubeletPodStartUpLatencyHigh",
    "KubeletClientCertificateExpiration", "KubeletServerCertificateExpiration",
    "KubeletClientCertificateRenewalErrors", "KubeletServerCertificateRenewalErrors", "KubeletDown",
    "KubeAPIErrorBudgetBurn", "KubeClientCertificateExpiration", "KubeAggregatedAPIErrors", "KubeAggregatedAPIDown",
    "KubeAPIDown", "KubeAPITerminatedRequests", "KubeControllerManagerDown", "KubeSchedulerDown", "KubeProxyDown",
    "KubeNodePressure", "KubeNodeEviction", "KubeletInstanceUnreachable", "KubeAPIInstanceUnreachable",
    "KubeControllerManagerInstanceUnreachable", "KubeSchedulerInstanceUnreachable", "KubeProxyInstanceUnreachable",
]
NODE_EXPORTER = [
    "NodeFilesystemSpaceFillingUp", "NodeFilesystemAlmostOutOfSpace", "NodeFilesystemFilesFillingUp",
    "NodeFilesystemAlmostOutOfFiles", "NodeNetworkReceiveErrs", "NodeNetworkTransmitErrs",
    "NodeHighNumberConntrackEntriesUsed", "NodeTextFileCollectorScrapeError", "NodeClockSkewDetected",
    "NodeClockNotSynchronising", "NodeRAIDDegraded", "NodeRAIDDiskFailure", "NodeFileDescriptorLimit",
    "NodeCPUHighUsage", "NodeSystemSaturation", "NodeMemoryMajorPagesFaults", "NodeMemoryHighUtilization",
    "NodeDiskIOSaturation", "NodeSystemdServiceFailed", "NodeSystemdServiceCrashlooping", "NodeBondingDegraded",
    "NodeNetworkInterfaceFlapping",
]
GENERAL = ["TargetDown", "Watchdog", "InfoInhibitor"]
KUBE_STATE_METRICS = [
    "KubeStateMetricsListErrors", "KubeStateMetricsWatchErrors", "KubeStateMetricsShardingMismatch",
    "KubeStateMetricsShardsMissing",
]
COREDNS = [
    "CoreDNSDown", "CoreDNSLatencyHigh", "CoreDNSErrorsHigh", "CoreDNSForwardLatencyHigh", "CoreDNSForwardErrorsHigh",
    "CoreDNSForwardHealthcheckFailureCount", "CoreDNSForwardHealthcheckBrokenCount",
]
COVERED = (KUBERNETES_APPS + KUBERNETES_RESOURCES + KUBERNETES_STORAGE + KUBERNETES_SYSTEM + NODE_EXPORTER + GENERAL
           + KUBE_STATE_METRICS + COREDNS)

NEVER_MUTATE = {"KubePodCrashLooping", "KubeContainerWaiting", "KubeDeploymentRolloutStuck", "KubeHpaMaxedOut"}


def never_mutates(alertname: str) -> bool:
    return (alertname in NEVER_MUTATE or alertname.startswith(("KubeQuota", "CoreDNS"))
            or (alertname.startswith("Kube") and alertname.endswith("Overcommit")))


@pytest.fixture(scope="module")
def shipped() -> AlertCatalog:
    return load_alert_catalog(shipped_config_dir())


ENTRY = {
    "source": "team/app-rules",
    "meaning": "The app is down.",
    "subject": {"kind": "deployment", "name_label": "deployment", "namespace_label": "namespace"},
    "evidence": ["workload", "events"],
    "page": "critical",
    "runbook_url": "https://runbooks.example.com/app-down",
}


def entry(**changes) -> dict:
    out = {**ENTRY, **changes}
    return {k: v for k, v in out.items() if v is not None}


def write_catalog(directory: Path, alerts: dict, *, version: str | None = "test.1", extra: dict | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    data: dict = {"alerts": alerts, **(extra or {})}
    if version is not None:
        data["version"] = version
    path = directory / "alerts.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def refused(directory: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_alert_catalog(directory)
    message = str(info.value)
    assert "\n" not in message
    return message


# --- the shipped catalog ---------------------------------------------------------------


def test_the_shipped_catalog_loads(shipped):
    assert shipped.version
    assert isinstance(shipped.get("KubePodCrashLooping"), AlertEntry)
    assert shipped.get("NoSuchAlert") is None
    assert set(CLUSTER_SCOPED) <= set(SUBJECT_KINDS)
    assert {"pod_status", "logs_previous", "owner", "nodes"} <= set(EVIDENCE_KINDS)


def test_every_alert_of_the_covered_rule_sets_is_present(shipped):
    missing = [name for name in COVERED if shipped.get(name) is None]
    assert missing == []


def test_every_entry_has_an_https_runbook_and_its_own_meaning(shipped):
    for name, e in shipped.alerts.items():
        assert e.runbook_url.startswith("https://"), name
        assert len(e.meaning) > 40, name


def test_no_remediation_where_a_restart_or_scale_never_helps(shipped):
    for name in COVERED:
        if never_mutates(name):
            assert shipped.alerts[name].remediation == [], name
    for name, e in shipped.alerts.items():
        if e.subject.namespace == "kube-system":
            assert e.remediation == [], name


def test_cluster_scoped_subjects_have_no_namespace(shipped):
    for name, e in shipped.alerts.items():
        if e.subject.kind in CLUSTER_SCOPED:
            assert e.subject.namespace_label is None and e.subject.namespace is None, name


@pytest.mark.parametrize(("alertname", "kind", "name_label", "namespace_label", "container_label"), [
    ("KubePodCrashLooping", "pod", "pod", "namespace", "container"),
    ("KubePodNotReady", "pod", "pod", "namespace", None),
    ("KubeContainerWaiting", "pod", "pod", "namespace", "container"),
    ("CPUThrottlingHigh", "pod", "pod", "namespace", "container"),
    ("KubeJobFailed", "job", "job_name", "namespace", None),
    ("KubeJobNotCompleted", "job", "job_name", "namespace", None),
    ("KubeDeploymentRolloutStuck", "deployment", "deployment", "namespace", None),
    ("KubeStatefulSetReplicasMismatch", "statefulset", "statefulset", "namespace", None),
    ("KubeDaemonSetNotScheduled", "daemonset", "daemonset", "namespace", None),
    ("KubeHpaMaxedOut", "horizontalpodautoscaler", "horizontalpodautoscaler", "namespace", None),
    ("KubeHpaReplicasMismatch", "horizontalpodautoscaler", "horizontalpodautoscaler", "namespace", None),
    ("KubeQuotaExceeded", "resourcequota", "resourcequota", "namespace", None),
    ("KubePersistentVolumeFillingUp", "persistentvolumeclaim", "persistentvolumeclaim", "namespace", None),
    ("KubePersistentVolumeErrors", "persistentvolume", "persistentvolume", None, None),
    ("KubeNodeNotReady", "node", "node", None, None),
    ("KubeletTooManyPods", "node", "node", None, None),
    ("NodeFilesystemSpaceFillingUp", "node", "instance", None, None),
    ("NodeNetworkInterfaceFlapping", "node", "instance", None, None),
    ("TargetDown", "service", "service", "namespace", None),
    ("KubeCPUOvercommit", "cluster", None, None, None),
    ("Watchdog", "none", None, None, None),
])
def test_subject_labels_follow_the_rule_expressions(shipped, alertname, kind, name_label, namespace_label,
                                                     container_label):
    subject = shipped.alerts[alertname].subject
    assert (subject.kind, subject.name_label, subject.namespace_label, subject.container_label) == (
        kind, name_label, namespace_label, container_label)


def test_coredns_alerts_are_about_the_coredns_deployment(shipped):
    for name in COREDNS:
        subject = shipped.alerts[name].subject
        assert (subject.kind, subject.name, subject.namespace) == ("deployment", "coredns", "kube-system"), name


def test_paging(shipped):
    assert shipped.alerts["Watchdog"].page == "never"
    assert shipped.alerts["InfoInhibitor"].page == "never"
    # A crash loop pages when critical, or as a warning in a production namespace; a node or a control-plane
    # component that is down always pages (a missing severity label must not silence it).
    assert shipped.alerts["KubePodCrashLooping"].page == "production"
    for name in ("KubeNodeNotReady", "KubeNodeUnreachable", "KubeAPIDown", "KubeletDown", "KubeSchedulerDown",
                 "KubeControllerManagerDown", "CoreDNSDown"):
        assert shipped.alerts[name].page == "always", name


def test_workload_alerts_read_the_workloads_pods(shipped):
    for name in ("KubeDeploymentReplicasMismatch", "KubeDeploymentRolloutStuck", "KubeStatefulSetReplicasMismatch",
                 "KubeDaemonSetRolloutStuck", "KubeJobFailed", "KubeJobNotCompleted", "TargetDown"):
        assert "pod_status" in shipped.alerts[name].evidence, name
    assert "workload" in shipped.alerts["KubeHpaMaxedOut"].evidence


def test_crash_loop_evidence_reads_the_previous_container_first(shipped):
    evidence = shipped.alerts["KubePodCrashLooping"].evidence
    assert evidence.index("logs_previous") < evidence.index("logs")
    assert "pod_status" in evidence and "owner" in evidence


# --- bad files -------------------------------------------------------------------------


def test_an_unknown_field_is_named(tmp_path):
    write_catalog(tmp_path, {"AppDown": entry(severity="critical")})
    message = refused(tmp_path)
    assert "alerts.yaml" in message and "alerts.AppDown.severity: unknown field" in message


def test_an_unknown_evidence_kind_is_named(tmp_path):
    write_catalog(tmp_path, {"AppDown": entry(evidence=["workload", "metrics"])})
    message = refused(tmp_path)
    assert "alerts.yaml" in message and "alerts.AppDown.evidence.1: Input should be 'pod_status'" in message


def test_namespace_label_on_a_node_subject_is_refused(tmp_path):
    write_catalog(tmp_path, {"NodeDown": entry(subject={"kind": "node", "name_label": "node",
                                                         "namespace_label": "namespace"}, evidence=["node"])})
    message = refused(tmp_path)
    assert "alerts.NodeDown.subject" in message and "namespace_label must be absent" in message


@pytest.mark.parametrize(("change", "expected"), [
    ({"runbook_url": "http://runbooks.example.com/app"}, "alerts.AppDown.runbook_url"),
    ({"subject": {"kind": "deployment", "namespace_label": "namespace"}}, "needs exactly one of name_label"),
    ({"subject": {"kind": "deployment", "name_label": "deployment"}}, "needs exactly one of namespace_label"),
    ({"subject": {"kind": "deployment", "name_label": "deploy-ment", "namespace_label": "namespace"}},
     "not a Prometheus label name"),
    ({"subject": {"kind": "cluster", "name_label": "cluster"}, "evidence": []}, "name_label must be absent"),
    ({"subject": {"kind": "daemonset", "name_label": "daemonset", "namespace_label": "namespace",
                  "container_label": "container"}}, "container_label is only for pod subjects"),
    ({"evidence": ["hpa"]}, "evidence 'hpa' cannot be gathered for a deployment subject"),
    ({"evidence": ["workload", "workload"]}, "lists 'workload' twice"),
    ({"page": "sometimes"}, "alerts.AppDown.page"),
    ({"subject": {"kind": "deployment", "name": "coredns", "namespace": "kube-system"},
      "remediation": [{"tool": "restart_deployment", "when": "running_not_ready", "why": "x"}]},
     "kube-system never mutates"),
    ({"subject": {"kind": "pod", "name_label": "pod", "namespace_label": "namespace"}, "evidence": ["pod_status"],
      "remediation": [{"tool": "restart_deployment", "when": "running_not_ready", "why": "x"}]},
     "needs a pod subject with evidence pod_status and owner"),
    ({"subject": {"kind": "pod", "name_label": "pod", "namespace_label": "namespace"},
      "evidence": ["pod_status", "owner"],
      "remediation": [{"tool": "delete_pod", "when": "running_not_ready", "why": "x"}]},
     "alerts.AppDown.remediation.0.tool"),
])
def test_invalid_entries_are_refused_naming_the_field(tmp_path, change, expected):
    write_catalog(tmp_path, {"AppDown": entry(**change)})
    message = refused(tmp_path)
    assert str(tmp_path / "alerts.yaml") in message and expected in message


def test_bad_yaml_and_a_missing_version(tmp_path):
    (tmp_path / "alerts.yaml").write_text("alerts: [\n", encoding="utf-8")
    assert "not valid YAML" in refused(tmp_path)
    write_catalog(tmp_path, {"AppDown": entry()}, version=None)
    assert "version: Field required" in refused(tmp_path)


def test_an_alertname_defined_twice_in_one_file_is_refused(tmp_path):
    body = yaml.safe_dump({"AppDown": entry()}, sort_keys=False)
    indented = "".join(f"  {line}\n" for line in body.splitlines())
    (tmp_path / "alerts.yaml").write_text(f"version: t\nalerts:\n{indented}{indented}", encoding="utf-8")
    message = refused(tmp_path)
    assert "alerts.AppDown: defined twice" in message and str(tmp_path / "alerts.yaml") in message


def test_a_valid_remediation_loads(tmp_path):
    fix = {"tool": "restart_deployment", "when": "running_not_ready", "why": "a wedged process recovers"}
    write_catalog(tmp_path, {"AppNotReady": entry(
        subject={"kind": "pod", "name_label": "pod", "namespace_label": "namespace"},
        evidence=["pod_status", "events", "owner"], remediation=[fix])})
    remediation = load_alert_catalog(tmp_path).alerts["AppNotReady"].remediation
    assert [(r.tool, r.when) for r in remediation] == [("restart_deployment", "running_not_ready")]


# --- alerts.d --------------------------------------------------------------------------


def write_extension(config_dir: Path, name: str, alerts: dict, **extra) -> Path:
    directory = config_dir / "alerts.d"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(yaml.safe_dump({"alerts": alerts, **extra}, sort_keys=False), encoding="utf-8")
    return path


def test_alerts_d_replaces_and_adds_entries_in_file_name_order(tmp_path, shipped):
    override = entry(subject={"kind": "pod", "name_label": "pod", "namespace_label": "namespace"},
                     evidence=["pod_status", "owner"], page="always", runbook_url="https://wiki.example.com/notready")
    write_extension(tmp_path, "20-later.yaml", {"AppDown": entry(page="never")})
    write_extension(tmp_path, "10-team.yaml", {"KubePodNotReady": override, "AppDown": entry(page="always")})
    (tmp_path / "alerts.d" / "notes.txt").write_text("not yaml: ignored", encoding="utf-8")
    catalog = load_alert_catalog(tmp_path)  # no alerts.yaml here: the shipped one, with alerts.d over it
    assert catalog.version == shipped.version
    assert len(catalog.alerts) == len(shipped.alerts) + 1
    assert catalog.alerts["KubePodNotReady"].runbook_url == "https://wiki.example.com/notready"
    assert catalog.alerts["KubePodNotReady"].page == "always"
    assert catalog.alerts["AppDown"].page == "never"
    assert catalog.alerts["KubePodCrashLooping"] == shipped.alerts["KubePodCrashLooping"]


def test_alerts_d_takes_entries_only_and_names_the_bad_file(tmp_path):
    bad = write_extension(tmp_path, "team.yaml", {"AppDown": entry()}, version="mine")
    message = refused(tmp_path)
    assert str(bad) in message and "version: unknown field" in message
    bad.write_text(yaml.safe_dump({"alerts": {"AppDown": entry(evidence=["pods"])}}), encoding="utf-8")
    message = refused(tmp_path)
    assert str(bad) in message and "alerts.AppDown.evidence.0" in message


def test_a_config_dir_with_its_own_alerts_yaml_uses_it(tmp_path):
    write_catalog(tmp_path, {"AppDown": entry()}, version="mine.1")
    catalog = load_alert_catalog(tmp_path)
    assert (catalog.version, list(catalog.alerts)) == ("mine.1", ["AppDown"])


# --- configs, snapshot -----------------------------------------------------------------


@pytest.fixture
def cfg(tmp_path) -> Path:
    target = tmp_path / "configs"
    shutil.copytree(shipped_config_dir(), target)
    return target


def test_configs_carry_the_catalog_and_its_file_hashes(cfg):
    write_extension(cfg, "team.yaml", {"AppDown": entry()})
    configs = load_configs(cfg)
    assert configs.alerts.get("AppDown") is not None
    assert {"alerts.yaml", "alerts.d/team.yaml"} <= set(configs.hashes)


def test_a_broken_alerts_d_file_stops_load_configs(cfg):
    write_extension(cfg, "team.yaml", {"AppDown": entry(page="sometimes")})
    with pytest.raises(ConfigError, match=r"alerts\.d/team\.yaml: alerts\.AppDown\.page"):
        load_configs(cfg)


def test_the_snapshot_records_the_catalog_and_writes_it_back(cfg, tmp_path):
    write_extension(cfg, "team.yaml", {"AppDown": entry()})
    snapshot = snapshot_configs(cfg)
    assert {"alerts.yaml", "alerts.d/team.yaml"} <= set(snapshot)
    replayed = write_configs(snapshot, tmp_path / "replay")
    assert load_alert_catalog(replayed) == load_alert_catalog(cfg)
    with pytest.raises(ValueError, match="unexpected config file"):
        write_configs({"alerts.d/../evil.yaml": {"sha256": "", "text": ""}}, tmp_path / "evil")


def test_the_snapshot_of_a_dir_without_alerts_yaml_records_the_shipped_one(tmp_path):
    (tmp_path / "routing.yaml").write_text("{}", encoding="utf-8")
    snapshot = snapshot_configs(tmp_path)
    assert snapshot["alerts.yaml"]["text"] == (shipped_config_dir() / "alerts.yaml").read_text(encoding="utf-8")
