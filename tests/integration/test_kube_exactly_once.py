"""Exactly once, end to end: ActionLedger + TargetLocks + KubeExecutor + the emulator.

Covers: replaying (resuming) a run with the same run id and digest returns the recorded
outcome without a single API request; a claim left in progress by a crashed process is
reported as "outcome unknown" and the mutation is not sent; a deployment locked by another
run makes apply fail with the holder's name before anything reaches the API server; two
threads applying to the same deployment: while the first waits for its rollout the second
is refused, then the first completes; the lock is renewed before the real patch and every
verification read (so a TTL shorter than the verification holds), a lock lost before the
patch stops it, and executor.yaml refuses a lock_ttl_s shorter than one request with retries.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from openclaw.config.executor import ExecutorConfig, load_executor_config
from openclaw.errors import ConfigError
from openclaw.kube.access import Cluster, connect
from openclaw.kube.executor import ExecOutcome, KubeExecutor
from openclaw.storage.sqlite.ledger import ActionLedger, TargetLocks
from openclaw.testing.kube import EmulatedCluster

NS = "awoooi-prod"
SCALE_ARGS = {"deployment": "awoooi-api", "namespace": NS, "replicas": 6}


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


class RecordingLocks(TargetLocks):
    """TargetLocks that records every acquire/renewal (owner, ttl) and can hand the lock to a thief."""

    def __init__(self, path: Path, *, steal_on: int | None = None) -> None:
        super().__init__(path)
        self.calls: list[tuple[str, float]] = []
        self.steal_on = steal_on

    def try_acquire(self, target: str, *, owner: str, ttl_s: float = 300.0) -> tuple[str, float] | None:
        self.calls.append((owner, ttl_s))
        if self.steal_on is not None and len(self.calls) == self.steal_on:
            super().try_acquire(target, owner=owner, ttl_s=-1.0)  # ours expired meanwhile...
            super().try_acquire(target, owner="run-thief", ttl_s=300.0)  # ...and another run took it
        return super().try_acquire(target, owner=owner, ttl_s=ttl_s)


def test_lock_is_renewed_through_a_long_verification(ec: EmulatedCluster, cluster: Cluster, db: Path) -> None:
    # lock_ttl_s is shorter than the verification: the renewals before each read keep it ours.
    ec.set_controller("off")
    locks = RecordingLocks(db)
    # TTL 1 s, renewed every ~20 ms: only a thread descheduled for a whole second could lose it.
    ex = KubeExecutor(cluster, verify_timeout_s=4.0, poll_interval_s=0.02, locks=locks, lock_ttl_s=1.0)
    target = ex.lock_target(NS, "awoooi-api")
    results: dict[str, ExecOutcome] = {}
    thread = threading.Thread(target=lambda: results.update(A=ex.execute("scale_deployment", SCALE_ARGS,
                                                                           mode="apply", lock_owner="run-A")))
    thread.start()
    while len(locks.calls) < 3 and thread.is_alive():  # taken, renewed for the patch, renewed for a read
        threading.Event().wait(0.01)
    threading.Event().wait(1.5)  # past the TTL since it was taken: only the renewals keep it
    held = TargetLocks(db).try_acquire(target, owner="run-B", ttl_s=5)
    verifying = thread.is_alive()
    thread.join(300)
    assert verifying, "the verification ended before the lock was tried: nothing was shown"
    assert held is not None and held[0] == "run-A"
    out = results["A"]
    assert out.status == "failed" and out.result["verification"]["outcome"] == "timeout"
    polls = out.result["verification"]["polls"]
    # hold() takes it, then one renewal before the real patch and one before every verification read.
    assert [o for o, _ in locks.calls] == ["run-A"] * (2 + polls) and {t for _, t in locks.calls} == {1.0}


def test_lost_lock_stops_the_patch(ec: EmulatedCluster, cluster: Cluster, db: Path) -> None:
    ex = KubeExecutor(cluster, locks=RecordingLocks(db, steal_on=2))  # 1: hold(), 2: renewal before the patch
    out = ex.execute("scale_deployment", SCALE_ARGS, mode="apply", lock_owner="run-A")
    assert out.status == "failed" and out.result["applied"] is False
    assert "expired and was taken by run-thief" in out.result["error"] and "lock_ttl_s" in out.result["error"]
    assert [m["query"].get("dryRun") for m in ec.mutations()] == ["All"]  # the real patch was never sent
    assert ec.read("deployments", NS, "awoooi-api")["spec"]["replicas"] == 3


def test_lock_ttl_must_outlive_one_request_with_its_retries(tmp_path: Path) -> None:
    assert ExecutorConfig().longest_step_s() < ExecutorConfig().lock_ttl_s  # the defaults are consistent
    (tmp_path / "executor.yaml").write_text("lock_ttl_s: 60\nmax_retries: 3\nrequest_timeout_s: 30\n")
    with pytest.raises(ConfigError, match=r"executor.yaml.*lock_ttl_s \(60 s\) must exceed .* 124.5 s"):
        load_executor_config(tmp_path)
    (tmp_path / "executor.yaml").write_text("lock_ttl_s: 60\nmax_retries: 1\nrequest_timeout_s: 10\n")
    assert load_executor_config(tmp_path)[0].lock_ttl_s == 60
