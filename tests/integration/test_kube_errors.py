"""Kubernetes errors at the executor's boundary, against the emulator on loopback.

Covers: 404 (a clear failure from the server-side dry run, never retried, nothing applied);
403 with the RBAC hint; 401 with a wrong token; 409, 429 and 500 retried with bounded
backoff and then succeeding; a persistent 500 fails after max_retries + 1 attempts; 422 is
not retried; an unreachable server fails with KubeUnreachable (no exception escapes); and,
in the spirit of httpx's test_httpcore_all_exceptions_mapped, every exception class of
kubernetes.client, kubernetes.config and urllib3 raised inside the boundary comes out as
a KubeError chained to the original.
"""

from __future__ import annotations

import inspect
import json
import socket
from pathlib import Path

import kubernetes.client.exceptions
import kubernetes.config.config_exception
import pytest
import urllib3.exceptions

from openclaw.errors import KubeError
from openclaw.kube.access import Cluster, connect
from openclaw.kube.errors import Target, boundary
from openclaw.kube.executor import KubeExecutor
from openclaw.testing.kube import EmulatedCluster, write_kubeconfig

NS = "awoooi-prod"
DEPLOY = f"/apis/apps/v1/namespaces/{NS}/deployments/awoooi-api"
SCALE = DEPLOY + "/scale"
SCALE_ARGS = {"deployment": "awoooi-api", "namespace": NS, "replicas": 4}


@pytest.fixture
def ex(cluster: Cluster) -> KubeExecutor:
    return KubeExecutor(cluster, verify_timeout_s=5.0, poll_interval_s=0.02, max_retries=3, backoff_s=0.001)


def _hits(ec: EmulatedCluster, method: str, path: str) -> int:
    return sum(1 for r in ec.requests if r["method"] == method and r["path"] == path)


def test_404_is_a_clear_failure_without_retries(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    out = ex.execute("restart_deployment", {"deployment": "awoooi-apx", "namespace": NS}, mode="apply")
    assert out.status == "failed"
    assert out.result["status"] == 404 and out.result["error_type"] == "KubeNotFound"
    assert out.result["applied"] is False
    assert out.result["error"].startswith("404 Not Found: deployment 'awoooi-apx' does not exist in namespace "
                                          "awoooi-prod")
    assert len(ec.requests) == 1 and ec.requests[0]["query"]["dryRun"] == "All"


def test_403_names_the_permission_and_the_fix(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    ec.fail("PATCH", SCALE, 403, times=None, message='deployments.apps "awoooi-api" is forbidden')
    out = ex.execute("scale_deployment", SCALE_ARGS, mode="apply")
    assert out.status == "failed" and out.result["status"] == 403 and out.result["error_type"] == "KubeAuthError"
    assert "403 Forbidden: the credentials of context 'kmock' cannot patch deployments/scale in awoooi-prod" \
        in out.result["error"]
    assert out.result["error"].endswith("apply configs/k8s/rbac.yaml")
    assert _hits(ec, "PATCH", SCALE) == 1
    assert ec.read("deployments", NS, "awoooi-api")["spec"]["replicas"] == 3


def test_401_wrong_token(ec: EmulatedCluster, tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "stale", server=ec.url, context="stale", token="expired-token")
    with connect(kubeconfig=str(path), context=None) as cluster:
        out = KubeExecutor(cluster, backoff_s=0.001).execute("kubectl_get", {"resource": "pods"}, mode="dry_run")
    assert out.status == "failed" and out.result["status"] == 401
    assert "401 Unauthorized" in out.result["error"] and "KUBECONFIG" in out.result["error"]
    assert "expired-token" not in str(out.exchanges)


@pytest.mark.parametrize("status", [409, 429, 500, 503])
def test_retryable_errors_are_retried(status: int, ex: KubeExecutor, ec: EmulatedCluster) -> None:
    ec.fail("PATCH", SCALE, status, times=1)
    out = ex.execute("scale_deployment", SCALE_ARGS, mode="apply")
    assert out.status == "executed", out.result
    assert _hits(ec, "PATCH", SCALE) == 3  # failed dry run, retried dry run, real patch
    assert [e.get("status") for e in out.exchanges[:3]] == [status, 200, 200]
    assert ec.read("deployments", NS, "awoooi-api")["spec"]["replicas"] == 4


def test_reads_are_retried_too(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    ec.fail("GET", f"/api/v1/namespaces/{NS}/pods", 502, times=2)
    out = ex.execute("kubectl_get", {"resource": "pods"}, mode="dry_run")
    assert out.status == "executed" and len(out.exchanges) == 3


def test_persistent_500_gives_up(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    ec.fail("PATCH", DEPLOY, 500, times=None, message="etcdserver: request timed out")
    out = ex.execute("restart_deployment", {"deployment": "awoooi-api", "namespace": NS}, mode="apply")
    assert out.status == "failed" and out.result["status"] == 500 and out.result["error_type"] == "KubeServerError"
    assert "etcdserver: request timed out" in out.result["error"]
    assert _hits(ec, "PATCH", DEPLOY) == 4  # 1 + max_retries, all dry runs: nothing was applied
    assert out.result["applied"] is False and ec.versions("deployments", NS, "awoooi-api") == 1


def test_422_is_not_retried(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    ec.fail("PATCH", SCALE, 422, times=None, message="spec.replicas: exceeds quota")
    out = ex.execute("scale_deployment", SCALE_ARGS, mode="dry_run")
    assert out.status == "failed" and out.result["error_type"] == "KubeInvalid"
    assert _hits(ec, "PATCH", SCALE) == 1


def test_unreachable_server(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = write_kubeconfig(tmp_path / "kc", server=f"http://127.0.0.1:{port}", context="gone", token="t")
    with connect(kubeconfig=str(path), context=None) as cluster:
        ex = KubeExecutor(cluster, max_retries=2, backoff_s=0.001)
        out = ex.execute("scale_deployment", SCALE_ARGS, mode="apply")
    assert out.status == "failed" and out.result["error_type"] == "KubeUnreachable"
    assert f"cannot reach http://127.0.0.1:{port}" in out.result["error"]
    assert len(out.exchanges) == 3 and out.result["status"] is None


def _library_exceptions() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for module in (kubernetes.client.exceptions, kubernetes.config.config_exception, urllib3.exceptions):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Exception) and cls.__module__.startswith(("kubernetes", "urllib3")):
                found.append(cls)
    return found


def _instance(cls: type[BaseException]) -> BaseException:
    for args in ((), ("boom",), (None, "boom"), (None, None, "boom"), (None, None, None, "boom")):
        try:
            return cls(*args)
        except (TypeError, AttributeError):
            continue
    bare = cls.__new__(cls)  # constructors that need a live response object
    Exception.__init__(bare, "boom")
    return bare


@pytest.mark.parametrize("cls", _library_exceptions(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_no_library_exception_leaks(cls: type[BaseException]) -> None:
    original = _instance(cls)
    with pytest.raises(KubeError) as info:
        with boundary(Target("patch", "deployments", NS, "awoooi-api")):
            raise original
    assert info.value.__cause__ is original
    assert str(info.value)


def test_every_library_exception_was_enumerated() -> None:
    names = {c.__name__ for c in _library_exceptions()}
    assert {"ApiException", "ForbiddenException", "ConfigException", "MaxRetryError", "NewConnectionError",
            "ReadTimeoutError", "ProtocolError"} <= names


def test_exchanges_number_the_attempts(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    ec.fail("PATCH", SCALE, 503, times=2)
    out = ex.execute("scale_deployment", SCALE_ARGS, mode="dry_run")
    assert out.status == "dry_run"
    assert [(e["attempt"], e["status"], e["query"].get("dryRun")) for e in out.exchanges] == [
        (1, 503, "All"), (2, 503, "All"), (3, 200, "All")]
    assert "Injected" in json.dumps(out.exchanges[0]["response"])
