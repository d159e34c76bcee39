"""Exactly once, end to end: ActionLedger + TargetLocks + KubeExecutor + the emulator.

Covers: replaying (resuming) a run with the same run id and digest returns the recorded
outcome without a single API request; a claim left in progress by a crashed process is
reported as "outcome unknown" and the mutation is not sent; a deployment locked by another
run makes apply fail with the holder's name before anything reaches the API server; two
threads applying to the same deployment: while the first waits for its rollout the second
is refused, then the first completes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from openclaw.kube.access import Cluster, connect
from openclaw.kube.executor import ExecOutcome, KubeExecutor
from openclaw.runs.ledger import ActionLedger, TargetLocks
from openclaw.testing.kube import EmulatedCluster, emulated_cluster

NS = "awoooi-prod"
SCALE_ARGS = {"deployment": "awoooi-api", "namespace": NS, "replicas": 6}


@pytest.fixture
def ec(tmp_path: Path) -> Iterator[EmulatedCluster]:
    with emulated_cluster(tmp_path) as running:
        yield running


@pytest.fixture
def cluster(ec: EmulatedCluster) -> Iterator[Cluster]:
    c = connect(kubeconfig=str(ec.kubeconfig_path), context=ec.context)
    assert c is not None
    yield c
    c.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "home" / "state.sqlite"


def _run(ledger: ActionLedger, ex: KubeExecutor, run_id: str, owner: str):
    def act() -> tuple[str, dict]:
        out = ex.execute("scale_deployment", SCALE_ARGS, mode="apply", lock_owner=owner)
        return out.status, out.result

    return ledger.run_once(run_id, "digest-scale-api-6", owner=owner, mutating=True, fn=act)


def test_resume_never_repeats_an_executed_action(ec: EmulatedCluster, cluster: Cluster, db: Path) -> None:
    ex = KubeExecutor(cluster, poll_interval_s=0.02, locks=TargetLocks(db))
    first = _run(ActionLedger(db), ex, "run-1", "worker-1")
    assert (first.status, first.replayed) == ("executed", False)
    seen = len(ec.requests)
    versions = ec.versions("deployments", NS, "awoooi-api")
    # Another process resumes the same run: a fresh ledger and executor on the same files.
    with connect(kubeconfig=str(ec.kubeconfig_path), context=None) as again:
        second = _run(ActionLedger(db), KubeExecutor(again, locks=TargetLocks(db)), "run-1", "worker-2")
    assert (second.status, second.result, second.replayed) == ("executed", first.result, True)
    assert len(ec.requests) == seen and ec.versions("deployments", NS, "awoooi-api") == versions
    # A different run is a different action.
    assert _run(ActionLedger(db), ex, "run-2", "worker-1").replayed is False


def test_crashed_claim_is_not_resent(ec: EmulatedCluster, cluster: Cluster, db: Path) -> None:
    ledger = ActionLedger(db)
    ledger.claim("run-1", "digest-scale-api-6", owner="worker-that-died")
    out = _run(ledger, KubeExecutor(cluster), "run-1", "worker-2")
    assert out.status == "failed"
    assert "outcome unknown; check the deployment before retrying" in out.result["error"]
    assert ec.requests == []


def test_locked_target_is_refused_before_any_request(ec: EmulatedCluster, cluster: Cluster, db: Path) -> None:
    locks = TargetLocks(db)
    ex = KubeExecutor(cluster, locks=locks)
    with locks.hold(ex.lock_target(NS, "awoooi-api"), owner="run-A"):
        out = ex.execute("scale_deployment", SCALE_ARGS, mode="apply", lock_owner="run-B")
    assert out.status == "failed" and out.result["error_type"] == "ExecutionError"
    assert "locked by run-A" in out.result["error"] and ec.url in out.result["error"]
    assert out.result["applied"] is False and ec.requests == []
    # Reads and dry runs do not take the lock.
    with locks.hold(ex.lock_target(NS, "awoooi-api"), owner="run-A"):
        assert ex.execute("scale_deployment", SCALE_ARGS, mode="dry_run").status == "dry_run"


def test_two_threads_same_deployment(ec: EmulatedCluster, cluster: Cluster, db: Path) -> None:
    ec.set_controller("off")  # the first rollout stays in progress until we play the controller
    ex = KubeExecutor(cluster, verify_timeout_s=30, poll_interval_s=0.02, locks=TargetLocks(db))
    results: dict[str, ExecOutcome] = {}

    def first() -> None:
        results["A"] = ex.execute("restart_deployment", {"deployment": "awoooi-api", "namespace": NS},
                                  mode="apply", lock_owner="run-A")

    thread = threading.Thread(target=first)
    thread.start()
    applied = threading.Event()
    while not applied.is_set():  # wait until A's real patch reached the server
        applied.wait(0.01)
        if sum(1 for m in ec.mutations() if not m["query"].get("dryRun")) == 1:
            applied.set()
    results["B"] = ex.execute("scale_deployment", SCALE_ARGS, mode="apply", lock_owner="run-B")
    ec.reconcile(NS, "awoooi-api")
    thread.join(30)
    assert results["B"].status == "failed" and "locked by run-A" in results["B"].result["error"]
    assert results["A"].status == "executed", results["A"].result
    assert ec.read("deployments", NS, "awoooi-api")["spec"]["replicas"] == 3  # B never touched it
