"""Reconciling an action whose process died mid-way: read the cluster, never re-send.

Covers ``KubeExecutor.reconcile`` against kmock's emulator (the real ``kubernetes`` client) and
``ActionRunner.reconcile`` above it: a restart whose ``restartedAt`` stamp is on the deployment is
executed and verified; one whose stamp is not there (another stamp, or none) is failed with
``applied: false``; a scale is judged by ``spec.replicas``; an applied change whose rollout does not
finish is failed "APPLIED, but not verified"; none of these sends a write. An interrupted dry run
is failed without a request; reads and alerts are left to the execute node (None); reconciling an
apply from a process that is not in apply mode is refused with how to fix it.
"""

from __future__ import annotations

import pytest

from openclaw.errors import ExecutionError
from openclaw.kube.access import Cluster
from openclaw.kube.executor import KubeExecutor
from openclaw.kube.plan import RESTARTED_AT
from openclaw.nodes.dispatch import ActionRunner
from openclaw.testing.kube import EmulatedCluster

STAMP = "2026-11-27T16:00:00Z"
RESTART = {"deployment": "awoooi-api", "namespace": "awoooi-staging"}


@pytest.fixture
def ex(cluster: Cluster) -> KubeExecutor:
    return KubeExecutor(cluster, verify_timeout_s=2.0, poll_interval_s=0.02, backoff_s=0.01)


def test_a_restart_carrying_this_runs_stamp_is_executed_and_verified(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    done = ex.execute("restart_deployment", RESTART, mode="apply", now=_at(STAMP))
    assert done.status == "executed"
    writes = len(ec.mutations())
    out = ex.reconcile("restart_deployment", RESTART, restarted_at=STAMP)
    assert out.status == "executed" and out.result["applied"] is True
    assert out.result["verification"]["outcome"] == "succeeded" and out.result["restarted_at"] == STAMP
    assert len(ec.mutations()) == writes  # read only


@pytest.mark.parametrize("stamp", [None, "2026-11-27T15:59:59Z"], ids=["never-stamped", "another-stamp"])
def test_a_restart_without_this_runs_stamp_is_failed_not_resent(ex: KubeExecutor, ec: EmulatedCluster,
                                                                stamp: str | None) -> None:
    if stamp is not None:
        ex.execute("restart_deployment", RESTART, mode="apply", now=_at(stamp))
    writes = len(ec.mutations())
    out = ex.reconcile("restart_deployment", RESTART, restarted_at=STAMP)
    assert out.status == "failed" and out.result["applied"] is False
    assert out.result["error"].startswith("not applied") and STAMP in out.result["error"]
    assert len(ec.mutations()) == writes


def test_a_scale_is_judged_by_its_replicas(ex: KubeExecutor) -> None:
    assert ex.reconcile("scale_deployment", {**RESTART, "replicas": 3}).status == "failed"  # it has 1
    assert ex.execute("scale_deployment", {**RESTART, "replicas": 3}, mode="apply").status == "executed"
    assert ex.reconcile("scale_deployment", {**RESTART, "replicas": 3}).status == "executed"


def test_an_applied_change_whose_rollout_does_not_finish_is_not_verified(ex: KubeExecutor,
                                                                         ec: EmulatedCluster) -> None:
    ec.set_controller("off")
    ex.execute("restart_deployment", RESTART, mode="apply", now=_at(STAMP))
    out = ex.reconcile("restart_deployment", RESTART, restarted_at=STAMP)
    assert out.status == "failed" and out.result["applied"] is True
    assert out.result["error"].startswith("APPLIED, but not verified")
    deployment = ec.read("deployments", "awoooi-staging", "awoooi-api")
    assert deployment["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT] == STAMP


def test_the_runner_reconciles_only_interrupted_applies(ex: KubeExecutor, ec: EmulatedCluster) -> None:
    runner = ActionRunner(mode="apply", kube=ex, identity="kmock")
    intent = {"tool": "restart_deployment", "args": RESTART, "namespace": "awoooi-staging", "mode": "apply",
              "restarted_at": STAMP}
    status, result = runner.reconcile(intent)
    assert (status, result["applied"], result["reconciled"]) == ("failed", False, True)
    dry_status, dry = runner.reconcile({**intent, "mode": "dry_run"})
    assert dry_status == "failed" and "nothing was changed" in dry["error"]
    read = {"tool": "kubectl_get", "args": {"resource": "pods", "namespace": "awoooi-staging"},
            "namespace": "awoooi-staging", "mode": "apply"}
    assert runner.reconcile(read) is None
    assert runner.reconcile({"tool": "send_alert", "args": {}, "namespace": "x", "mode": "apply"}) is None
    with pytest.raises(ExecutionError, match="--apply"):
        ActionRunner(mode="dry_run", kube=ex, identity="kmock").reconcile(intent)
    assert ec.mutations() == []


def _at(stamp: str):
    from datetime import UTC, datetime

    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
