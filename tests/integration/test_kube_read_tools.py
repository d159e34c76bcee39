"""The evidence reads through the real ``kubernetes`` client against the emulator (executor in dry_run mode).

Covers: every evidence kind kubectl_get reads (statefulsets, daemonsets,
replicasets, jobs, horizontalpodautoscalers, persistentvolumeclaims, persistentvolumes,
resourcequotas) read one and listed, the cluster-scoped persistentvolumes without a
namespace; the summaries' evidence keys on objects seeded as plain Kubernetes JSON: a
CrashLoopBackOff pod whose last instance was OOMKilled (containers, init containers,
owner), a Pending pod (PodScheduled False Unschedulable), an Evicted pod (status reason and
message), an HPA at its maximum (ScalingLimited), a NotReady node with taints, a Job failed
with BackoffLimitExceeded, a PVC and its PV, a ResourceQuota, per-kind workload counts
(daemonset misscheduled, statefulset revisions, replicaset owner), events with the
involved object and the events about one object; get_logs with previous and container,
and the API server's 400s (no previous instance, several containers, unknown container)
as failed reads carrying the server's message; a missing object is a failed read with a
readable 404; plan mode records the exact calls of the new reads; seeding after start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openclaw.kube.access import Cluster, connect
from openclaw.kube.executor import KubeExecutor
from openclaw.nodes.dispatch import ActionRunner
from openclaw.testing.kube import EmulatedCluster, emulated_cluster

NS = "shop"
T0 = "2026-03-28T09:00:00Z"
T1 = "2026-03-28T09:20:00Z"


def _meta(name: str, namespace: str | None = NS, owner: tuple[str, str] | None = None, **extra: Any) -> dict:
    meta: dict[str, Any] = {"name": name, "creationTimestamp": T0, **extra}
    if namespace:
        meta["namespace"] = namespace
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "uid": "u",
                                    "controller": True}]
    return meta


CRASHING = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": _meta("checkout-6f7d8-abcde", owner=("ReplicaSet", "checkout-6f7d8")),
    "spec": {"nodeName": "node-1", "initContainers": [{"name": "migrate", "image": "shop/migrate:3"}],
             "containers": [{"name": "app", "image": "shop/checkout:2.4.1"}]},
    "status": {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                        "message": "containers with unready status: [app]"},
                       {"type": "PodScheduled", "status": "True"}],
        "initContainerStatuses": [{"name": "migrate", "ready": True, "restartCount": 0,
                                   "state": {"terminated": {"reason": "Completed", "exitCode": 0}}}],
        "containerStatuses": [{
            "name": "app", "ready": False, "restartCount": 12,
            "state": {"waiting": {"reason": "CrashLoopBackOff",
                                  "message": "back-off 5m0s restarting failed container=app " + "x" * 400}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": T1}},
        }],
    },
}
PENDING = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": _meta("checkout-6f7d8-pend1", owner=("ReplicaSet", "checkout-6f7d8")),
    "spec": {"containers": [{"name": "app", "image": "shop/checkout:2.4.1"}]},
    "status": {"phase": "Pending", "conditions": [{
        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
                   "2 Insufficient memory."}]},
}
EVICTED = {
    "apiVersion": "v1", "kind": "Pod", "metadata": _meta("report-1-zz9"),
    "spec": {"containers": [{"name": "report", "image": "shop/report:1"}]},
    "status": {"phase": "Failed", "reason": "Evicted",
               "message": "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi."},
}
SIDECAR = {
    "apiVersion": "v1", "kind": "Pod", "metadata": _meta("cart-5b6c7-qq1"),
    "spec": {"containers": [{"name": "cart", "image": "shop/cart:1"}, {"name": "envoy", "image": "envoy:1.30"}]},
    "status": {"phase": "Running"},
}
REPLICASET = {
    "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": _meta("checkout-6f7d8", owner=("Deployment", "checkout"),
                                                                      generation=4),
    "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "app", "image": "shop/checkout:2.4.1"}]}}},
    "status": {"replicas": 2, "readyReplicas": 0, "availableReplicas": 0, "observedGeneration": 4},
}
STATEFULSET = {
    "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": _meta("db", generation=3),
    "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "pg", "image": "postgres:16.4"}]}}},
    "status": {"replicas": 3, "readyReplicas": 2, "availableReplicas": 2, "updatedReplicas": 1,
               "currentRevision": "db-5d8f", "updateRevision": "db-7a9c", "observedGeneration": 3},
}
DAEMONSET = {
    "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": _meta("node-exporter", namespace="monitoring"),
    "spec": {"template": {"spec": {"containers": [{"name": "exporter", "image": "prom/node-exporter:1.8"}]}}},
    "status": {"desiredNumberScheduled": 3, "numberReady": 2, "updatedNumberScheduled": 3, "numberAvailable": 2,
               "numberMisscheduled": 1,
               "conditions": []},
}
JOB = {
    "apiVersion": "batch/v1", "kind": "Job",
    "metadata": _meta("nightly-report-2903", owner=("CronJob", "nightly-report")),
    "spec": {"completions": 1, "backoffLimit": 3},
    "status": {"failed": 4, "startTime": T0, "conditions": [
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
         "message": "Job has reached the specified backoff limit"}]},
}
HPA = {
    "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": _meta("checkout"),
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "checkout"},
             "minReplicas": 2, "maxReplicas": 10},
    "status": {"currentReplicas": 10, "desiredReplicas": 10, "conditions": [
        {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"},
        {"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas",
         "message": "the desired replica count is more than the maximum replica count"}]},
}
PVC = {
    "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": _meta("data-db-0"),
    "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast", "volumeName": "pv-db-0",
             "resources": {"requests": {"storage": "20Gi"}}},
    "status": {"phase": "Bound", "capacity": {"storage": "10Gi"}, "conditions": [
        {"type": "Resizing", "status": "True", "message": "waiting for the volume to be expanded"}]},
}
PV = {
    "apiVersion": "v1", "kind": "PersistentVolume", "metadata": _meta("pv-db-0", namespace=None),
    "spec": {"capacity": {"storage": "10Gi"}, "storageClassName": "fast",
             "claimRef": {"namespace": NS, "name": "data-db-0"}},
    "status": {"phase": "Bound"},
}
QUOTA = {
    "apiVersion": "v1", "kind": "ResourceQuota", "metadata": _meta("shop-quota"),
    "spec": {"hard": {"pods": "20", "limits.memory": "16Gi"}},
    "status": {"hard": {"pods": "20", "limits.memory": "16Gi"}, "used": {"pods": "20", "limits.memory": "15Gi"}},
}
NODE = {
    "apiVersion": "v1", "kind": "Node", "metadata": _meta("node-3", namespace=None),
    "spec": {"taints": [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"},
                        {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]},
    "status": {"conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                               "message": "Kubelet stopped posting node status."}],
               "nodeInfo": {"kubeletVersion": "v1.30.4"}},
}
EVENT = {
    "apiVersion": "v1", "kind": "Event", "metadata": _meta("checkout-6f7d8-abcde.17f3a"),
    "involvedObject": {"kind": "Pod", "name": "checkout-6f7d8-abcde", "namespace": NS},
    "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container app",
    "count": 40, "lastTimestamp": T1,
}
OBJECTS = [CRASHING, PENDING, EVICTED, SIDECAR, REPLICASET, STATEFULSET, DAEMONSET, JOB, HPA, PVC, PV, QUOTA, NODE,
           EVENT]
LOGS = [
    {"namespace": NS, "pod": "checkout-6f7d8-abcde", "container": "app", "previous": True,
     "text": "starting checkout\nloading catalogue\nfatal error: runtime: out of memory\n"},
    {"namespace": NS, "pod": "checkout-6f7d8-abcde", "container": "app", "text": "starting checkout\n"},
]


@pytest.fixture
def ec(tmp_path: Path) -> Iterator[EmulatedCluster]:
    with emulated_cluster(tmp_path, workloads=None, objects=OBJECTS, logs=LOGS) as running:
        yield running


@pytest.fixture
def ex(cluster: Cluster) -> KubeExecutor:
    return KubeExecutor(cluster, max_retries=0, default_namespace=NS)


def get(ex: KubeExecutor, **args: Any) -> dict:
    out = ex.execute("kubectl_get", args, mode="dry_run")
    assert out.status == "executed", out.result
    return out.result


# --- every new kind, one and a list -----------------------------------------------------------------


@pytest.mark.parametrize(("resource", "namespace", "name"), [
    ("statefulsets", NS, "db"),
    ("daemonsets", "monitoring", "node-exporter"),
    ("replicasets", NS, "checkout-6f7d8"),
    ("jobs", NS, "nightly-report-2903"),
    ("horizontalpodautoscalers", NS, "checkout"),
    ("persistentvolumeclaims", NS, "data-db-0"),
    ("persistentvolumes", None, "pv-db-0"),
    ("resourcequotas", NS, "shop-quota"),
])
def test_each_new_kind_is_read_and_listed(ex: KubeExecutor, ec: EmulatedCluster, resource: str,
                                          namespace: str | None, name: str) -> None:
    where = {"namespace": namespace} if namespace else {}
    one = get(ex, resource=resource, name=name, **where)
    assert one["resource"] == resource and one["item"]["name"] == name
    listed = get(ex, resource=resource, **where)
    assert listed["count"] == 1 and [i["name"] for i in listed["items"]] == [name]
    assert listed["namespace"] == namespace and not listed["truncated"]
    seen = [r for r in ec.requests if resource in r["path"]]
    assert [r["method"] for r in seen] == ["GET", "GET"] and ec.mutations() == []
    if namespace is None:  # cluster-scoped: no namespace in the path even when one is given
        assert seen[0]["path"] == f"/api/v1/{resource}/{name}"
        assert get(ex, resource=resource, namespace=NS)["count"] == 1


def test_empty_kinds_list_as_empty(ex: KubeExecutor) -> None:
    assert get(ex, resource="jobs", namespace="monitoring")["items"] == []
    assert get(ex, resource="horizontalpodautoscalers", namespace="monitoring")["count"] == 0


# --- the summaries' evidence keys -----------------------------------------------------------------


def test_crashlooping_pod_shows_the_oom_killed_previous_instance(ex: KubeExecutor) -> None:
    pod = get(ex, resource="pods", name="checkout-6f7d8-abcde")["item"]
    assert pod["reason"] == "CrashLoopBackOff" and pod["restarts"] == 12 and pod["ready"] == "0/1"
    [app] = pod["containers"]
    assert app["state"] == "waiting" and app["reason"] == "CrashLoopBackOff" and app["ready"] is False
    assert app["message"].startswith("back-off 5m0s") and len(app["message"]) == 300
    assert app["last_terminated"] == {"reason": "OOMKilled", "exit_code": 137, "finished_at": T1}
    assert pod["init_containers"] == [{"name": "migrate", "ready": True, "restarts": 0, "state": "terminated",
                                       "reason": "Completed", "message": None, "exit_code": 0,
                                       "last_terminated": None}]
    assert pod["owner"] == {"kind": "ReplicaSet", "name": "checkout-6f7d8"}
    assert {"type": "Ready", "status": "False", "reason": "ContainersNotReady",
            "message": "containers with unready status: [app]"} in pod["conditions"]


def test_pending_and_evicted_pods(ex: KubeExecutor) -> None:
    pods = {p["name"]: p for p in get(ex, resource="pods")["items"]}
    pending = pods["checkout-6f7d8-pend1"]
    assert pending["phase"] == "Pending" and pending["ready"] == "0/1"
    [scheduled] = pending["conditions"]
    assert (scheduled["type"], scheduled["status"], scheduled["reason"]) == ("PodScheduled", "False", "Unschedulable")
    assert "Insufficient memory" in scheduled["message"]
    assert pending["containers"] == [{"name": "app", "ready": False, "restarts": 0, "state": None, "reason": None,
                                      "message": None, "exit_code": None, "last_terminated": None}]
    assert "init_containers" not in pending
    evicted = pods["report-1-zz9"]
    assert evicted["status_reason"] == "Evicted" and evicted["status_message"].startswith("The node was low")
    assert evicted["owner"] is None


def test_hpa_at_its_maximum(ex: KubeExecutor) -> None:
    hpa = get(ex, resource="horizontalpodautoscalers", name="checkout")["item"]
    assert hpa["target"] == {"kind": "Deployment", "name": "checkout"}
    assert (hpa["min"], hpa["max"], hpa["current"], hpa["desired"]) == (2, 10, 10, 10)
    limited = next(c for c in hpa["conditions"] if c["type"] == "ScalingLimited")
    assert limited["status"] == "True" and limited["reason"] == "TooManyReplicas"


def test_not_ready_node_with_taints(ex: KubeExecutor) -> None:
    node = get(ex, resource="nodes", name="node-3")["item"]
    assert node["ready"] is False
    assert node["conditions"] == [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                                   "message": "Kubelet stopped posting node status."}]
    assert node["taints"] == [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"},
                              {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}]


def test_failed_job(ex: KubeExecutor) -> None:
    job = get(ex, resource="jobs", name="nightly-report-2903")["item"]
    assert job == {"name": "nightly-report-2903", "namespace": NS, "active": 0, "succeeded": 0, "failed": 4,
                   "completions": 1, "backoff_limit": 3,
                   "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                   "message": "Job has reached the specified backoff limit"}],
                   "owner": {"kind": "CronJob", "name": "nightly-report"}, "start_time": T0, "completion_time": None}


def test_claim_volume_and_quota(ex: KubeExecutor) -> None:
    pvc = get(ex, resource="persistentvolumeclaims", name="data-db-0")["item"]
    assert pvc == {"name": "data-db-0", "namespace": NS, "phase": "Bound", "capacity": "10Gi", "requested": "20Gi",
                   "storage_class": "fast", "volume": "pv-db-0", "access_modes": ["ReadWriteOnce"],
                   "conditions": [{"type": "Resizing", "status": "True", "reason": None,
                                   "message": "waiting for the volume to be expanded"}]}
    pv = get(ex, resource="persistentvolumes", name="pv-db-0")["item"]
    assert pv == {"name": "pv-db-0", "phase": "Bound", "capacity": "10Gi", "claim": f"{NS}/data-db-0",
                  "storage_class": "fast", "reason": None, "message": None}
    quota = get(ex, resource="resourcequotas", name="shop-quota")["item"]
    assert quota["hard"]["pods"] == "20" and quota["used"] == {"pods": "20", "limits.memory": "15Gi"}


def test_workload_counts_per_kind(ex: KubeExecutor) -> None:
    ds = get(ex, resource="daemonsets", namespace="monitoring", name="node-exporter")["item"]
    assert (ds["ready"], ds["desired"], ds["updated"], ds["available"], ds["misscheduled"]) == ("2/3", 3, 3, 2, 1)
    assert ds["image"] == "prom/node-exporter:1.8" and ds["conditions"] == [] and ds["owner"] is None
    sts = get(ex, resource="statefulsets", name="db")["item"]
    assert (sts["ready"], sts["updated"], sts["current_revision"], sts["update_revision"]) == (
        "2/3", 1, "db-5d8f", "db-7a9c")
    rs = get(ex, resource="replicasets", name="checkout-6f7d8")["item"]
    assert rs["ready"] == "0/2" and rs["owner"] == {"kind": "Deployment", "name": "checkout"}
    assert (rs["generation"], rs["observed_generation"], rs["updated"]) == (4, 4, None)


def test_events_name_the_involved_object(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    about = get(ex, resource="events", name="checkout-6f7d8-abcde")
    [event] = about["items"]
    assert event["involved"] == {"kind": "Pod", "name": "checkout-6f7d8-abcde", "namespace": NS}
    assert event["object"] == "Pod/checkout-6f7d8-abcde" and event["count"] == 40
    assert ec.requests[-1]["query"]["fieldSelector"] == "involvedObject.name=checkout-6f7d8-abcde"
    assert get(ex, resource="events", name="db")["items"] == []


# --- logs: previous, container, and the server's 400s ------------------------------------------------


def logs(ex: KubeExecutor, **args: Any) -> Any:
    return ex.execute("get_logs", {"namespace": NS, **args}, mode="dry_run")


def test_previous_logs_hold_the_crash(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    out = logs(ex, pod="checkout-6f7d8-abcde", previous=True)
    assert out.status == "executed"
    assert out.result["previous"] is True and out.result["text"].endswith("fatal error: runtime: out of memory\n")
    assert out.exchanges[0]["query"]["previous"] == "true"
    current = logs(ex, pod="checkout-6f7d8-abcde")
    assert current.result["previous"] is False and current.result["text"] == "starting checkout\n"
    assert "previous" not in current.exchanges[0]["query"]
    init = logs(ex, pod="checkout-6f7d8-abcde", container="migrate", tail=3)
    assert init.status == "executed" and init.result["container"] == "migrate" and init.result["lines"] == 3


def test_no_previous_instance_is_a_failed_read_with_the_servers_message(ex: KubeExecutor) -> None:
    out = logs(ex, pod="checkout-6f7d8-pend1", previous=True)
    assert out.status == "failed" and out.result["status"] == 400
    assert 'previous terminated container "app" in pod "checkout-6f7d8-pend1" not found' in out.result["error"]
    assert out.result["error_type"] == "KubeInvalid" and out.result["args"]["previous"] is True


def test_containers_must_be_named_and_known(ex: KubeExecutor) -> None:
    unnamed = logs(ex, pod="cart-5b6c7-qq1")
    assert unnamed.status == "failed" and unnamed.result["status"] == 400
    assert "a container name must be specified for pod cart-5b6c7-qq1, choose one of: [cart envoy]" in \
        unnamed.result["error"]
    unknown = logs(ex, pod="cart-5b6c7-qq1", container="istio-proxy")
    assert unknown.status == "failed" and "container istio-proxy is not valid for pod cart-5b6c7-qq1" in \
        unknown.result["error"]
    named = logs(ex, pod="cart-5b6c7-qq1", container="envoy", tail=2)
    assert named.status == "executed" and " envoy [" in named.result["text"]


def test_kubectl_execute_reads_previous_logs(ex: KubeExecutor) -> None:
    out = ex.execute("kubectl_execute", {"command": "kubectl logs checkout-6f7d8-abcde -p -n shop"}, mode="dry_run")
    assert out.status == "executed" and out.result["tool"] == "get_logs" and out.result["previous"] is True
    hpa = ex.execute("kubectl_execute", {"command": "kubectl get hpa checkout -n shop"}, mode="dry_run")
    assert hpa.status == "executed" and hpa.result["item"]["max"] == 10


# --- missing objects, plan mode, seeding later -------------------------------------------------------


@pytest.mark.parametrize(("resource", "name", "readable"), [
    ("statefulsets", "nope", "statefulset 'nope' does not exist in namespace shop"),
    ("horizontalpodautoscalers", "nope", "horizontalpodautoscaler 'nope' does not exist in namespace shop"),
    ("persistentvolumes", "nope", "persistentvolume 'nope' does not exist"),
])
def test_a_missing_object_is_a_failed_read(ex: KubeExecutor, resource: str, name: str, readable: str) -> None:
    out = ex.execute("kubectl_get", {"resource": resource, "name": name}, mode="dry_run")
    assert out.status == "failed" and out.result["status"] == 404
    assert out.result["error"].startswith("404 Not Found: " + readable)
    assert f"check the name with kubectl_get {resource}" in out.result["error"]


def test_plan_mode_records_the_new_reads() -> None:
    runner = ActionRunner(mode="plan")

    def plan(tool: str, args: dict) -> dict:
        out = asyncio.run(runner.run(tool, args, namespace=NS, incident_id="inc-1"))
        assert out.status == "planned"
        [call] = out.result["calls"]
        return call

    assert plan("kubectl_get", {"resource": "jobs"}) == {
        "method": "GET", "path": "/apis/batch/v1/namespaces/shop/jobs", "query": {"limit": "500"},
        "content_type": None, "body": None}
    assert plan("kubectl_get", {"resource": "persistentvolumes", "name": "pv-db-0"})["path"] == \
        "/api/v1/persistentvolumes/pv-db-0"
    assert plan("kubectl_get", {"resource": "daemonsets", "namespace": "kube-system"})["path"] == \
        "/apis/apps/v1/namespaces/kube-system/daemonsets"
    logs_call = plan("get_logs", {"pod": "checkout-6f7d8-abcde", "namespace": NS, "previous": True,
                                  "container": "app"})
    assert logs_call["path"] == "/api/v1/namespaces/shop/pods/checkout-6f7d8-abcde/log"
    assert logs_call["query"]["previous"] == "true" and logs_call["query"]["container"] == "app"


def test_seed_after_start(tmp_path: Path) -> None:
    with emulated_cluster(tmp_path, workloads=None) as running:
        cluster = connect(kubeconfig=str(running.kubeconfig_path), context=running.context)
        try:
            ex = KubeExecutor(cluster, max_retries=0, default_namespace=NS)
            assert get(ex, resource="pods")["count"] == 0
            running.seed([CRASHING, NODE], logs=[LOGS[0]])
            assert [p["name"] for p in get(ex, resource="pods")["items"]] == ["checkout-6f7d8-abcde"]
            assert [n["name"] for n in get(ex, resource="nodes")["items"]] == ["node-3"]
            assert running.read("namespaces", None, NS) is not None  # the pod's namespace was created
            out = logs(ex, pod="checkout-6f7d8-abcde", previous=True)
            assert "out of memory" in out.result["text"]
        finally:
            cluster.close()
    with pytest.raises(ValueError, match="needs apiVersion and kind"):
        with emulated_cluster(tmp_path, workloads=None, objects=[{"kind": "Secret", "metadata": {"name": "x"}}]):
            pass
    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": {"name": "deny-all", "namespace": NS}, "spec": {"podSelector": {}}}
    (tmp_path / "other").mkdir()
    with emulated_cluster(tmp_path / "other", workloads=None, objects=[policy]) as running:  # no tool reads it
        assert running.read("networkpolicies", NS, "deny-all")["spec"] == {"podSelector": {}}
