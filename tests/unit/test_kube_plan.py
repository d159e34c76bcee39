"""openclaw.kube.plan: the exact API calls each tool makes (plan mode), and refusals.

Covers: kubectl_get for every resource (pods, deployments, services, nodes, events and the evidence kinds: apps/v1,
batch/v1, autoscaling/v2, core v1), one object and a list, namespace default,
nodes and persistentvolumes cluster-scoped, events filtered by involved object, lists bounded by limit=500
(and the listing says when the limit left items on the server); restart_deployment is the
`kubectl rollout restart` strategic merge patch with an RFC 3339 timestamp;
scale_deployment patches the scale subresource; get_logs tail/container/limitBytes/previous;
kubectl_execute goes through the parser and refuses what is not allowlisted; bad
arguments, unknown tools and send_alert raise ExecutionError; dry-run adds dryRun=All
to mutations only; the calls are JSON-serialisable.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from openclaw.errors import ExecutionError
from openclaw.kube.plan import ApiCall, build_calls, planned_calls, resolve

NOW = dt.datetime(2026, 3, 28, 9, 30, 15, 123456, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("args", "path", "query"),
    [
        ({"resource": "pods"}, "/api/v1/namespaces/awoooi-prod/pods", {"limit": "500"}),
        ({"resource": "pods", "namespace": "kube-system", "name": "coredns-1"},
         "/api/v1/namespaces/kube-system/pods/coredns-1", {}),
        ({"resource": "deployments", "name": "awoooi-api"},
         "/apis/apps/v1/namespaces/awoooi-prod/deployments/awoooi-api", {}),
        ({"resource": "services", "namespace": "awoooi-staging"}, "/api/v1/namespaces/awoooi-staging/services",
         {"limit": "500"}),
        ({"resource": "nodes", "namespace": "awoooi-prod"}, "/api/v1/nodes", {"limit": "500"}),
        ({"resource": "nodes", "name": "node-1"}, "/api/v1/nodes/node-1", {}),
        ({"resource": "events"}, "/api/v1/namespaces/awoooi-prod/events", {"limit": "500"}),
        ({"resource": "events", "name": "awoooi-api-abc"}, "/api/v1/namespaces/awoooi-prod/events",
         {"fieldSelector": "involvedObject.name=awoooi-api-abc", "limit": "500"}),
        ({"resource": "statefulsets", "name": "db"}, "/apis/apps/v1/namespaces/awoooi-prod/statefulsets/db", {}),
        ({"resource": "daemonsets", "namespace": "kube-system"}, "/apis/apps/v1/namespaces/kube-system/daemonsets",
         {"limit": "500"}),
        ({"resource": "replicasets", "name": "awoooi-api-7d4b9c8f6"},
         "/apis/apps/v1/namespaces/awoooi-prod/replicasets/awoooi-api-7d4b9c8f6", {}),
        ({"resource": "jobs"}, "/apis/batch/v1/namespaces/awoooi-prod/jobs", {"limit": "500"}),
        ({"resource": "horizontalpodautoscalers", "name": "awoooi-api"},
         "/apis/autoscaling/v2/namespaces/awoooi-prod/horizontalpodautoscalers/awoooi-api", {}),
        ({"resource": "persistentvolumeclaims"}, "/api/v1/namespaces/awoooi-prod/persistentvolumeclaims",
         {"limit": "500"}),
        ({"resource": "persistentvolumes", "namespace": "awoooi-prod"}, "/api/v1/persistentvolumes",
         {"limit": "500"}),
        ({"resource": "persistentvolumes", "name": "pv-1"}, "/api/v1/persistentvolumes/pv-1", {}),
        ({"resource": "resourcequotas", "name": "quota"}, "/api/v1/namespaces/awoooi-prod/resourcequotas/quota",
         {}),
    ],
)
def test_kubectl_get(args: dict, path: str, query: dict) -> None:
    assert planned_calls("kubectl_get", args) == [
        {"method": "GET", "path": path, "query": query, "content_type": None, "body": None}
    ]


def test_default_namespace_is_a_parameter() -> None:
    [call] = planned_calls("kubectl_get", {"resource": "pods"}, default_namespace="awoooi-staging")
    assert call["path"] == "/api/v1/namespaces/awoooi-staging/pods"


def test_restart_is_kubectl_rollout_restart() -> None:
    [call] = planned_calls("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-prod"}, now=NOW)
    assert call == {
        "method": "PATCH",
        "path": "/apis/apps/v1/namespaces/awoooi-prod/deployments/awoooi-api",
        "query": {"fieldManager": "openclaw"},
        "content_type": "application/strategic-merge-patch+json",
        "body": {"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": "2026-03-28T09:30:15Z"}}}}},
    }


def test_scale_uses_the_scale_subresource() -> None:
    [call] = planned_calls("scale_deployment", {"deployment": "awoooi-web", "namespace": "awoooi-prod", "replicas": 0})
    assert call == {
        "method": "PATCH",
        "path": "/apis/apps/v1/namespaces/awoooi-prod/deployments/awoooi-web/scale",
        "query": {"fieldManager": "openclaw"},
        "content_type": "application/merge-patch+json",
        "body": {"spec": {"replicas": 0}},
    }


def test_logs_are_bounded() -> None:
    [call] = planned_calls("get_logs", {"pod": "p-1", "namespace": "awoooi-prod"}, log_max_bytes=1024)
    assert call["path"] == "/api/v1/namespaces/awoooi-prod/pods/p-1/log"
    # limitBytes is only a safety cap (the server keeps the head of the tail); the executor cuts client-side.
    assert call["query"] == {"tailLines": "100", "limitBytes": str(8 * 1024)}
    [call] = planned_calls("get_logs", {"pod": "p-1", "namespace": "awoooi-prod", "tail": 20, "container": "web"})
    assert call["query"] == {"tailLines": "20", "limitBytes": str(8 * 65536), "container": "web"}
    [call] = planned_calls("get_logs", {"pod": "p-1", "namespace": "awoooi-prod", "previous": True})
    assert call["query"] == {"tailLines": "100", "limitBytes": str(8 * 65536), "previous": "true"}
    [call] = planned_calls("kubectl_execute", {"command": "logs p-1 -p -c web"})
    assert call["query"]["previous"] == "true" and call["query"]["container"] == "web"


def test_kubectl_execute_is_parsed_into_typed_calls() -> None:
    scale = planned_calls("kubectl_execute", {"command": "kubectl scale deployment awoooi-api --replicas=4"})
    assert scale == planned_calls("scale_deployment",
                                  {"deployment": "awoooi-api", "namespace": "awoooi-prod", "replicas": 4})
    get = planned_calls("kubectl_execute", {"command": "get pods", "namespace": "awoooi-staging"})
    assert get[0]["path"] == "/api/v1/namespaces/awoooi-staging/pods"
    restart = resolve("kubectl_execute", {"command": "rollout restart deployment/awoooi-web -n awoooi-prod"})
    assert (restart.tool, restart.args, restart.mutating) == (
        "restart_deployment", {"deployment": "awoooi-web", "namespace": "awoooi-prod"}, True)
    assert restart.command == "rollout restart deployment/awoooi-web -n awoooi-prod"


@pytest.mark.parametrize("command", [
    "delete pod awoooi-api-1",
    "exec -it awoooi-api-1 -- sh",
    "get pods; rm -rf /",
    "get pods --kubeconfig /etc/other",
    "get secrets",
])
def test_kubectl_execute_refused(command: str) -> None:
    with pytest.raises(ExecutionError, match="refused"):
        planned_calls("kubectl_execute", {"command": command})


@pytest.mark.parametrize(("tool", "args", "match"), [
    ("delete_namespace", {}, "unknown tool"),
    ("send_alert", {"severity": "info", "message": "x"}, "TelegramNotifier"),
    ("scale_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-prod", "replicas": 11}, "replicas"),
    ("restart_deployment", {"deployment": "AWOOOI-API", "namespace": "awoooi-prod"}, "lower case"),
    ("kubectl_get", {"resource": "secrets"}, "resource"),
])
def test_bad_actions_raise_execution_error(tool: str, args: dict, match: str) -> None:
    with pytest.raises(ExecutionError, match=match):
        planned_calls(tool, args)


def test_dry_run_only_touches_mutations() -> None:
    restart = build_calls(resolve("restart_deployment", {"deployment": "a", "namespace": "b"}), now=NOW)[0]
    assert restart.with_dry_run().query == {"fieldManager": "openclaw", "dryRun": "All"}
    assert restart.query == {"fieldManager": "openclaw"}  # unchanged (frozen)
    get = ApiCall("GET", "/api/v1/nodes")
    assert get.with_dry_run() is get


def test_calls_are_json() -> None:
    for tool, args in [("kubectl_get", {"resource": "events"}),
                       ("restart_deployment", {"deployment": "a", "namespace": "b"}),
                       ("get_logs", {"pod": "p", "namespace": "n"})]:
        json.dumps(planned_calls(tool, args))


def test_listing_reports_what_the_list_limit_left_on_the_server() -> None:
    from openclaw.kube.summaries import listing

    body = {"metadata": {"continue": "token", "remainingItemCount": 1500},
            "items": [{"metadata": {"name": f"e{i}"}, "lastTimestamp": f"2026-03-28T09:{i // 60:02d}:{i % 60:02d}Z"}
                      for i in range(500)]}
    out = listing("events", "awoooi-prod", body)
    assert out["count"] == 2000 and out["truncated"] is True and "newest events may be missing" in out["note"]
    assert listing("pods", "awoooi-prod", {"items": []}) == {
        "resource": "pods", "namespace": "awoooi-prod", "count": 0, "items": [], "truncated": False}
