"""What a run was judged for travels with its actions: the executor mode, and what an unknown count means.

Covers: the executor mode is frozen in each action's request (outside the digest); an
approved mutation judged under --apply and resumed without it fails with one line naming
--apply and sends nothing to the cluster (its failure alert is raised as for any failed
mutation); judged and resumed in the same mode it runs; a scale whose replica lookup fails
while a cluster is configured is scored at the largest blast radius and waits for approval,
while in plan mode the same scale keeps ``blast_radius_unknown`` and runs on its own.

The cluster is a small fake executor (the ``ActionRunner`` interface: mode, identity,
run, acurrent_replicas) that records what it was asked to do.
"""

from __future__ import annotations


import pytest

from openclaw.engine import Engine
from openclaw.models.incident import Incident
from openclaw.nodes.dispatch import Outcome
from openclaw.storage.sqlite.approvals import ApprovalStore
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.settings import load_settings
from openclaw.signoff import settle, now_of, sign_for_run, submit
from openclaw.nodes.approval_gate import WAKE_UP
from openclaw.testing.approvers import config_with_approvers, store_approvals

pytestmark = pytest.mark.asyncio


class FakeCluster:
    """An executor connected to a cluster in ``mode`` (dry_run or apply); it records every request."""

    identity = "https://cluster.test:6443#admin"

    def __init__(self, mode: str, replicas: int | None = None) -> None:
        self.mode, self.replicas, self.calls = mode, replicas, []

    async def run(self, tool, args, **_):
        self.calls.append((tool, args))
        if tool == "send_alert":
            return Outcome("planned", {"mode": "plan", "channel": "telegram", "note": "no notifier configured"})
        return Outcome("executed" if self.mode == "apply" else "dry_run", {"status": 200})

    async def acurrent_replicas(self, namespace, deployment):
        return self.replicas

    def close(self) -> None:
        return None


@pytest.fixture
def world(tmp_path):
    cfg, keys = config_with_approvers(tmp_path, {"alice": ["sre"]}, tiers={"standard": "1 from group sre"})
    return load_settings(config_dir=cfg, environ={"OPENCLAW_HOME": str(tmp_path / "home")}), keys["alice"]


async def _judged(settings, executor) -> dict:
    async with Engine(settings, executor=executor) as engine:
        run = await engine.run(Incident(description="please restart the awoooi-api deployment", source="chat",
                                        requested_by="carol"))
        values = (await engine.checkpoint(run["run_id"]))["values"]
    assert run["status"] == "awaiting_approval"
    return {**run, "frozen": values["actions"]}


async def _approve(settings, executor, run, key) -> dict:
    async with Engine(settings, executor=executor) as engine:
        [d] = sign_for_run(run, key, kind="approve", approver="alice", now=now_of(engine))
        return (await submit(engine, d)).settlement.result


async def test_a_run_judged_for_apply_stays_paused_when_the_quorum_completes_without_apply(world):
    settings, key = world
    run = await _judged(settings, FakeCluster("apply"))
    [action] = run["frozen"]
    assert action["request"]["mode"] == "apply"
    dry = FakeCluster("dry_run")
    async with Engine(settings, executor=dry) as engine:
        [d] = sign_for_run(run, key, kind="approve", approver="alice", now=now_of(engine))
        submitted = await submit(engine, d)
        assert engine.store.get(run["run_id"])["status"] == "awaiting_approval"
    settlement = submitted.settlement
    assert not settlement.resumed and "judged for apply" in settlement.held and "--apply" in settlement.held
    assert "judged for apply" in submitted.message and "\n" not in submitted.message
    assert dry.calls == [], "nothing was sent, not even an alert: the run just waits"
    applying = FakeCluster("apply")
    async with Engine(settings, executor=applying) as engine:
        finished = await settle(engine, run["run_id"])
    assert finished.resumed and finished.status == "completed"
    assert [tool for tool, _ in applying.calls] == ["restart_deployment"]


async def test_execute_refuses_a_mutation_judged_for_another_mode(world):
    """Defence in depth: even resumed directly, past the settle check, the executor sends nothing."""
    settings, key = world
    run = await _judged(settings, FakeCluster("apply"))
    resumed_by = FakeCluster("dry_run")
    async with Engine(settings, executor=resumed_by) as engine:
        store_approvals(ApprovalStore(settings.state_db), {"run_id": run["run_id"], "actions": run["frozen"]}, {"alice": key})
        result = await engine.resume(run["run_id"], WAKE_UP)
    mutation = result["actions"][0]
    assert mutation["status"] == "failed" and result["status"] == "failed"
    error = mutation["result"]["error"]
    assert "\n" not in error and "judged for apply" in error and "resume with --apply" in error
    assert [tool for tool, _ in resumed_by.calls] == ["send_alert"]  # the failure alert; nothing to the cluster
    [execution] = [e for e in AuditLog(settings.state_db).entries(run["run_id"])
                   if e.kind == "execution" and e.payload["index"] == 0]
    assert execution.payload["status"] == "failed" and execution.payload["requests"] == 0


async def test_the_mode_is_outside_the_digest_and_the_same_mode_runs(world):
    settings, key = world
    run = await _judged(settings, FakeCluster("apply"))
    from openclaw.approvals.digest import ActionRequest, request_digest

    [action] = run["frozen"]
    frozen = {k: v for k, v in action["request"].items() if k != "mode"}
    assert request_digest(ActionRequest(run_id=run["run_id"], action_index=0, name=action["name"],
                                        args=action["args"], **frozen)) == action["digest"]
    resumed_by = FakeCluster("apply")
    result = await _approve(settings, resumed_by, run, key)
    assert result["status"] == "completed" and result["actions"][0]["status"] == "executed"
    assert [tool for tool, _ in resumed_by.calls] == ["restart_deployment"]


def _blast(action: dict) -> str:
    return next(r for r in action["reasons"] if r.startswith("blast_radius:"))


async def test_an_unknown_replica_count_with_a_cluster_scores_the_largest_change(world):
    settings, _ = world
    scale = Incident(description="scale deployment awoooi-web to 4 replicas in namespace awoooi-staging",
                     source="chat", requested_by="carol")
    async with Engine(settings, executor=FakeCluster("dry_run", replicas=None)) as engine:
        [failed] = (await engine.run(scale))["actions"]
    async with Engine(settings) as engine:  # plan mode: no cluster; the same incident again, deliberately
        [planned] = (await engine.run(scale, rerun=True))["actions"]
    assert failed["name"] == planned["name"] == "scale_deployment"
    assert "lookup failed" in _blast(failed) and "+0.35" in _blast(failed)
    assert failed["verdict"] == "approval" and failed["risk"] > planned["risk"]
    assert "plan mode" in _blast(planned) and "+0.00" in _blast(planned)
    assert planned["verdict"] == "auto" and planned["status"] == "planned"
