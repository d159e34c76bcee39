"""KubeExecutor against kmock's KubernetesEmulator on loopback, through the real kubernetes client.

Covers: connect() (identity CONTEXT@SERVER, context selection, plan mode, bad kubeconfig,
KUBECONFIG=a:b merged, the in-cluster service account with temp token/CA files);
every read (pods, deployments, services, nodes, events; one object and lists; events by
object, sorted by time) runs for real and reports `executed` in both modes; get_logs
(tail, default and explicit container, bad container, size bound keeping the newest lines,
a refetch with fewer lines when the server's cap cut the end); a dry run reaches the
server with dryRun=All and leaves the object unchanged; apply dry-runs first, changes the
object (scale through the subresource, restart through the restartedAt annotation) and
verifies the rollout (success, timeout with the controller off, failure on
ProgressDeadlineExceeded; both errors start with "APPLIED, but"); kubectl_execute through the parser, and a refused command
sends nothing; exchanges are JSON and never carry the bearer token.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
import yaml

from openclaw.errors import ConfigError
from openclaw.kube.access import Cluster, ServiceAccountFiles, connect
from openclaw.kube.executor import KubeExecutor
from openclaw.settings import load_settings
from openclaw.testing.kube import EmulatedCluster, write_kubeconfig

NS = "awoooi-prod"
API_POD = "awoooi-api-7d4b9c8f6-x2k9p"
WEB_POD = "awoooi-web-7d4b9c8f6-x2k9p"
NOW = dt.datetime(2026, 3, 28, 10, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def ex(cluster: Cluster) -> KubeExecutor:
    return KubeExecutor(cluster, verify_timeout_s=5.0, poll_interval_s=0.02, backoff_s=0.01)


def test_connect(ec: EmulatedCluster, tmp_path: Path) -> None:
    cluster = connect(kubeconfig=str(ec.kubeconfig_path), context=None)
    assert cluster is not None and cluster.identity == f"kmock@{ec.url}" and cluster.namespace == NS
    cluster.close()
    assert connect(kubeconfig=None, context=None) is None
    with pytest.raises(ConfigError, match="no context 'prod'.*known contexts: kmock"):
        connect(kubeconfig=str(ec.kubeconfig_path), context="prod")
    with pytest.raises(ConfigError, match="does not exist.*KUBECONFIG"):
        connect(kubeconfig=str(tmp_path / "missing"), context=None)
    (tmp_path / "garbage").write_text("clusters: [unclosed")
    with pytest.raises(ConfigError, match="garbage"):
        connect(kubeconfig=str(tmp_path / "garbage"), context=None)


def test_kubeconfig_path_list_is_merged(ec: EmulatedCluster, tmp_path: Path) -> None:
    # KUBECONFIG=a:b, as kubectl takes it: one file holds the emulator's context, the other a
    # second context (never contacted); a missing entry is skipped, as by the client.
    other = write_kubeconfig(tmp_path / "staging.yaml", server="https://staging.example:6443", context="staging",
                             token="other-token")
    doc = yaml.safe_load(other.read_text())
    del doc["current-context"]  # the current context comes from the emulator's file
    other.write_text(yaml.safe_dump(doc))
    joined = os.pathsep.join([str(tmp_path / "missing"), str(other), str(ec.kubeconfig_path)])
    cluster = connect(kubeconfig=joined, context=None)
    assert cluster is not None and cluster.identity == f"kmock@{ec.url}"
    try:
        out = KubeExecutor(cluster).execute("kubectl_get", {"resource": "nodes"}, mode="dry_run")
        assert out.status == "executed" and out.result["count"] == 2
    finally:
        cluster.close()
    staging = connect(kubeconfig=joined, context="staging")
    assert staging is not None and staging.identity == "staging@https://staging.example:6443"
    staging.close()
    with pytest.raises(ConfigError, match="no context 'prod'.*known contexts: staging, kmock"):
        connect(kubeconfig=joined, context="prod")
    with pytest.raises(ConfigError, match="none of the kubeconfig files .* exists"):
        connect(kubeconfig=os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]), context=None)


def test_in_cluster_service_account(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("sa-token")
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    env = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    files = ServiceAccountFiles(token_path=str(tmp_path / "token"), ca_path=str(tmp_path / "ca.crt"), environ=env)
    # In a pod: KUBERNETES_SERVICE_HOST set and no KUBECONFIG means the service account.
    kube = load_settings(environ={**env, "OPENCLAW_HOME": str(tmp_path / "home")}).kube
    assert kube.in_cluster is True and kube.kubeconfig is None
    cluster = connect(kubeconfig=kube.kubeconfig, context=kube.context, in_cluster=kube.in_cluster,
                      service_account=files)
    assert cluster is not None
    try:
        assert cluster.identity == "in-cluster@https://10.96.0.1:443"
        conf = cluster.api_client.configuration
        assert conf.api_key["BearerToken"] == "bearer sa-token" and conf.ssl_ca_cert == str(tmp_path / "ca.crt")
        assert conf.retries is False
    finally:
        cluster.close()
    # A KUBECONFIG wins over the pod's account.
    assert load_settings(environ={**env, "KUBECONFIG": "/x"}).kube.in_cluster is False
    with pytest.raises(ConfigError, match="in-cluster service account.*token file does not exist"):
        connect(kubeconfig=None, in_cluster=True,
                service_account=ServiceAccountFiles(token_path=str(tmp_path / "nope"), ca_path=files.ca_path,
                                                    environ=env))


def test_list_pods(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    out = ex.execute("kubectl_get", {"resource": "pods"}, mode="dry_run")
    assert out.status == "executed"
    assert out.result["count"] == 7 and out.result["namespace"] == NS and not out.result["truncated"]
    by_name = {p["name"]: p for p in out.result["items"]}
    crash = by_name["awoooi-worker-7d4b9c8f6-x2k9p"]
    assert crash.items() >= {"name": "awoooi-worker-7d4b9c8f6-x2k9p", "namespace": NS, "phase": "Running",
                             "ready": "0/1", "restarts": 7, "node": "node-1", "reason": "CrashLoopBackOff"}.items()
    assert crash["containers"][0]["state"] == "waiting" and crash["containers"][0]["reason"] == "CrashLoopBackOff"
    assert by_name[API_POD]["ready"] == "1/1" and by_name[WEB_POD]["ready"] == "2/2"
    assert ec.mutations() == []


def test_get_one_deployment(ex: KubeExecutor) -> None:
    out = ex.execute("kubectl_get", {"resource": "deployments", "name": "awoooi-api"}, mode="apply")
    assert out.status == "executed"
    assert out.result["item"].items() >= {
        "name": "awoooi-api", "namespace": NS, "ready": "3/3", "desired": 3, "ready_replicas": 3, "updated": 3,
        "available": 3, "image": "ghcr.io/awoooi/api:1.8.2", "generation": 1, "observed_generation": 1,
        "owner": None}.items()
    staging = ex.execute("kubectl_get", {"resource": "deployments", "namespace": "awoooi-staging"}, mode="apply")
    assert [d["name"] for d in staging.result["items"]] == ["awoooi-api"]


def test_services_nodes_events(ex: KubeExecutor) -> None:
    svc = ex.execute("kubectl_get", {"resource": "services"}, mode="dry_run").result
    assert {s["name"]: s["ports"] for s in svc["items"]} == {"awoooi-api": ["80/TCP->8080"],
                                                              "awoooi-web": ["80/TCP->3000"]}
    nodes = ex.execute("kubectl_get", {"resource": "nodes", "namespace": "awoooi-prod"}, mode="dry_run").result
    assert [(n["name"], n["ready"]) for n in nodes["items"]] == [("node-1", True), ("node-2", True)]
    one = ex.execute("kubectl_get", {"resource": "nodes", "name": "node-2"}, mode="dry_run").result
    assert one["item"]["kubelet_version"] == "v1.30.4"
    events = ex.execute("kubectl_get", {"resource": "events"}, mode="dry_run").result
    times = [e["time"] for e in events["items"]]
    assert times == sorted(times) and len(times) == 4
    assert events["items"][-1]["reason"] == "BackOff"
    about = ex.execute("kubectl_get", {"resource": "events", "name": "awoooi-worker-7d4b9c8f6-x2k9p"},
                       mode="dry_run").result
    assert [e["reason"] for e in about["items"]] == ["Unhealthy", "BackOff"]
    assert {e["object"] for e in about["items"]} == {"Pod/awoooi-worker-7d4b9c8f6-x2k9p"}


def test_get_one_missing_pod(ex: KubeExecutor) -> None:
    out = ex.execute("kubectl_get", {"resource": "pods", "name": "nope"}, mode="dry_run")
    assert out.status == "failed" and out.result["status"] == 404
    assert "pod 'nope' does not exist in namespace awoooi-prod" in out.result["error"]


def test_get_logs(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    out = ex.execute("get_logs", {"pod": API_POD, "namespace": NS, "tail": 5}, mode="dry_run")
    assert out.status == "executed"
    assert out.result["lines"] == 5 and out.result["text"].splitlines()[-1].startswith(
        "2026-03-28T09:03:20Z INFO api")
    assert out.exchanges[0]["query"] == {"tailLines": "5", "limitBytes": str(8 * 65536)}
    # Two containers: like a real API server, the emulator wants one named (the default-container
    # annotation is kubectl's client-side choice); "metrics" is scripted.
    ec.set_logs(NS, WEB_POD, "scrape ok\nscrape failed: timeout\n", container="metrics")
    unnamed = ex.execute("get_logs", {"pod": WEB_POD, "namespace": NS, "tail": 1}, mode="dry_run")
    assert unnamed.status == "failed" and unnamed.result["status"] == 400
    assert f"a container name must be specified for pod {WEB_POD}, choose one of: [web metrics]" in \
        unnamed.result["error"]
    web = ex.execute("get_logs", {"pod": WEB_POD, "namespace": NS, "tail": 1, "container": "web"}, mode="dry_run")
    assert " web [" in web.result["text"]
    metrics = ex.execute("get_logs", {"pod": WEB_POD, "namespace": NS, "container": "metrics"}, mode="dry_run")
    assert metrics.result["text"] == "scrape ok\nscrape failed: timeout\n" and metrics.result["lines"] == 2
    bad = ex.execute("get_logs", {"pod": WEB_POD, "namespace": NS, "container": "sidecar"}, mode="dry_run")
    assert bad.status == "failed" and bad.result["status"] == 400
    assert "container sidecar is not valid" in bad.result["error"]


def test_logs_are_bounded(cluster: Cluster) -> None:
    small = KubeExecutor(cluster, log_max_bytes=300)
    out = small.execute("get_logs", {"pod": API_POD, "namespace": NS, "tail": 1000}, mode="dry_run")
    assert out.status == "executed"
    assert out.result["bytes"] <= 300 and out.result["truncated"] is True
    assert out.exchanges[0]["query"]["limitBytes"] == str(8 * 300)
    # The newest line is kept, and the text starts at a line boundary.
    assert out.result["text"].endswith("request 200 handled in 53 ms\n")
    assert out.result["text"].startswith("2026-03-28T09:")


def _numbered_log(count: int, width: int = 0) -> str:
    lines = [f"line {i:05d} ok{'.' * width}\n" for i in range(1, count)]
    return "".join(lines) + f"FATAL: line {count:05d} panic: nil pointer dereference\n"


def test_long_log_keeps_its_last_lines(cluster: Cluster, ec: EmulatedCluster) -> None:
    # The reviewer's case: 2001 lines, tail=500, log_max_bytes=1024. The server-side cap
    # used to keep lines 1501-1520 (the head of the tail) and lose the FATAL line.
    ec.set_logs(NS, API_POD, _numbered_log(2001), container="api")
    ex = KubeExecutor(cluster, log_max_bytes=1024)
    out = ex.execute("get_logs", {"pod": API_POD, "namespace": NS, "tail": 500}, mode="dry_run")
    assert out.status == "executed", out.result
    r = out.result
    lines = r["text"].splitlines()
    assert lines[-1] == "FATAL: line 02001 panic: nil pointer dereference"
    assert lines[0].startswith("line ") and lines[0].endswith(" ok")  # whole lines only
    assert r["bytes"] <= 1024 and r["truncated"] is True and r["lines"] == len(lines)
    assert r["dropped_lines"] == 500 - len(lines) and r["dropped_bytes"] > 0
    assert r["note"].startswith("log truncated: showing its last") and "newest_lines_missing" not in r
    assert len(out.exchanges) == 1


def test_log_over_the_server_cap_is_fetched_again_with_fewer_lines(cluster: Cluster, ec: EmulatedCluster) -> None:
    # 500 lines of ~60 bytes exceed the server cap (8 x 1024): the first answer lacks the end,
    # so the executor asks once more for fewer lines and still shows the FATAL line.
    ec.set_logs(NS, API_POD, _numbered_log(2001, width=48), container="api")
    ex = KubeExecutor(cluster, log_max_bytes=1024)
    out = ex.execute("get_logs", {"pod": API_POD, "namespace": NS, "tail": 500}, mode="dry_run")
    assert out.status == "executed", out.result
    assert [e["query"]["tailLines"] for e in out.exchanges][0] == "500" and len(out.exchanges) == 2
    assert int(out.exchanges[1]["query"]["tailLines"]) < 500
    assert out.result["text"].splitlines()[-1].startswith("FATAL: line 02001")
    assert out.result["truncated"] is True and "exceeded the server cap" in out.result["note"]
    assert "newest_lines_missing" not in out.result


def test_dry_run_leaves_objects_unchanged(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    before = ec.read("deployments", NS, "awoooi-api")
    scale = ex.execute("scale_deployment", {"deployment": "awoooi-api", "namespace": NS, "replicas": 5},
                       mode="dry_run")
    restart = ex.execute("restart_deployment", {"deployment": "awoooi-api", "namespace": NS}, mode="dry_run", now=NOW)
    assert (scale.status, scale.result["replicas"], scale.result["dry_run"]) == ("dry_run", 5, True)
    assert restart.status == "dry_run" and restart.result["restarted_at"] == "2026-03-28T10:00:00Z"
    assert ec.read("deployments", NS, "awoooi-api") == before
    assert ec.versions("deployments", NS, "awoooi-api") == 1
    assert [m["query"].get("dryRun") for m in ec.mutations()] == ["All", "All"]


def test_apply_scale(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    out = ex.execute("scale_deployment", {"deployment": "awoooi-api", "namespace": NS, "replicas": 5}, mode="apply")
    assert out.status == "executed", out.result
    assert out.result["applied"] is True and out.result["replicas"] == 5
    v = out.result["verification"]
    assert v["outcome"] == "succeeded" and (v["desired"], v["updated"], v["available"]) == (5, 5, 5)
    assert v["observed_generation"] == v["generation"] == 2
    stored = ec.read("deployments", NS, "awoooi-api")
    assert stored["spec"]["replicas"] == 5
    # Server-side dry run first, then the real patch, both on the scale subresource.
    scale_path = f"/apis/apps/v1/namespaces/{NS}/deployments/awoooi-api/scale"
    assert [(m["path"], m["query"].get("dryRun")) for m in ec.mutations()] == [(scale_path, "All"),
                                                                               (scale_path, None)]
    assert [e["method"] for e in out.exchanges][:2] == ["PATCH", "PATCH"]
    assert all(e["method"] == "GET" for e in out.exchanges[2:]) and len(out.exchanges) >= 3


def test_apply_restart(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    out = ex.execute("restart_deployment", {"deployment": "awoooi-worker", "namespace": NS}, mode="apply", now=NOW)
    assert out.status == "executed", out.result
    stored = ec.read("deployments", NS, "awoooi-worker")
    annotations = stored["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"kubectl.kubernetes.io/restartedAt": "2026-03-28T10:00:00Z"}
    assert stored["spec"]["template"]["metadata"]["labels"] == {"app": "worker"}  # merged, not replaced
    assert stored["metadata"]["generation"] == 2 and stored["spec"]["replicas"] == 2
    assert out.result["verification"]["outcome"] == "succeeded"


def test_verification_timeout(ec: EmulatedCluster, cluster: Cluster) -> None:
    ec.set_controller("off")
    ex = KubeExecutor(cluster, verify_timeout_s=0.2, poll_interval_s=0.02)
    out = ex.execute("scale_deployment", {"deployment": "awoooi-web", "namespace": NS, "replicas": 4}, mode="apply")
    assert out.status == "failed" and out.result["applied"] is True
    assert out.result["verification"]["outcome"] == "timeout"
    assert out.result["error"].startswith("APPLIED, but")  # so nobody re-runs it blindly
    assert "did not complete within 0.2 s" in out.result["error"]
    assert "observe generation 2" in out.result["error"]
    assert ec.read("deployments", NS, "awoooi-web")["spec"]["replicas"] == 4  # the change itself happened


def test_verification_failure(ec: EmulatedCluster, ex: KubeExecutor) -> None:
    ec.set_controller("fail")
    out = ex.execute("restart_deployment", {"deployment": "awoooi-web", "namespace": NS}, mode="apply")
    assert out.status == "failed" and out.result["applied"] is True
    assert out.result["verification"]["outcome"] == "failed"
    assert out.result["error"].startswith("APPLIED, but") and "has timed out progressing" in out.result["error"]


def test_kubectl_execute(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    out = ex.execute("kubectl_execute", {"command": "kubectl scale deploy/awoooi-web --replicas=3 -n awoooi-prod"},
                     mode="apply")
    assert out.status == "executed", out.result
    assert out.result["tool"] == "scale_deployment" and out.result["command"].startswith("kubectl scale")
    assert ec.read("deployments", NS, "awoooi-web")["spec"]["replicas"] == 3
    get = ex.execute("kubectl_execute", {"command": "get pods -n awoooi-staging"}, mode="dry_run")
    assert get.status == "executed" and get.result["count"] == 1
    seen = len(ec.requests)
    refused = ex.execute("kubectl_execute", {"command": "delete deployment awoooi-web"}, mode="apply")
    assert refused.status == "failed" and "refused" in refused.result["error"] and refused.exchanges == []
    assert len(ec.requests) == seen


def test_exchanges_are_json_without_the_token(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    outs = [ex.execute("scale_deployment", {"deployment": "awoooi-api", "namespace": NS, "replicas": 2}, mode="apply"),
            ex.execute("get_logs", {"pod": API_POD, "namespace": NS}, mode="apply"),
            ex.execute("restart_deployment", {"deployment": "nope", "namespace": NS}, mode="apply")]
    text = json.dumps([[o.status, o.result, o.exchanges] for o in outs])
    assert ec.token not in text
