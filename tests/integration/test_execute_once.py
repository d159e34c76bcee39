"""Exactly once through the pipeline: idempotency across resumes and replays, and the per-deployment lock.

Covers, with the engine from `open_engine` (KUBECONFIG at kmock's emulator, `--apply` settings):
a production restart waits for approval, is applied once when resumed with the approval, and
resuming it again (in the same engine, then in a second engine standing for another process)
or re-running the execute node from the checkpoint before it sends nothing more to the API
server (the ledger answers, the outcome is the recorded one); a claim left in progress by a
crashed process makes the resumed action fail with "outcome unknown" and nothing is sent; two
runs restarting the same deployment at the same time: one applies, the other is refused with the
holder's name before any request, and only one real PATCH reaches the server; an action judged
(and signed) for one cluster identity is refused, with nothing sent, when the run is resumed by a
process connected under another identity.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from openclaw.models.incident import Incident
from openclaw.nodes.approval_gate import WAKE_UP
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.storage.sqlite.ledger import ActionLedger
from openclaw.settings import load_settings
from openclaw.signoff import waiting_in
from openclaw.testing.approvers import config_with_approvers, store_approvals
from openclaw.testing.kube import EmulatedCluster, emulated_cluster
from openclaw.wiring import open_engine

pytestmark = pytest.mark.asyncio

PROD_RESTART = "The API is not responding, please restart the awoooi-api deployment"


KEYS: dict[str, Path] = {}


async def approve(engine, run: dict) -> dict:
    """Alice's signed approval of the run's waiting actions goes to the approvals store (as `openclaw approve`
    stores it); then the run is woken at the gate, which verifies and counts it. Returns the result."""
    if waiting_in(run.get("actions", [])):
        store_approvals(engine.storage.approvals, run, {"alice": KEYS["alice"]})
    return await engine.resume(run["run_id"], WAKE_UP)


@pytest.fixture
def ec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedCluster]:
    configs, keys = config_with_approvers(tmp_path, {"alice": ["sre"]}, tiers={"standard": "1 from group sre"})
    KEYS.update(keys)
    (configs / "executor.yaml").write_text(yaml.safe_dump(
        {"mode": "apply", "verify_timeout_s": 5, "poll_interval_s": 0.02, "max_retries": 1, "backoff_s": 0.01}))
    with emulated_cluster(tmp_path) as running:
        monkeypatch.setenv("KUBECONFIG", str(running.kubeconfig_path))
        monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(configs))
        yield running


def _applied(ec: EmulatedCluster, namespace: str = "awoooi-prod") -> list[dict]:
    """Real (not dry-run) writes to awoooi-api in ``namespace``."""
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments/awoooi-api"
    return [m for m in ec.mutations() if m["path"] == path and "dryRun" not in m["query"]]


async def _fork_before_execute(engine, run_id: str) -> dict:
    """Re-run the graph from the checkpoint taken just before ``execute`` (a crash before its checkpoint)."""
    config = {"configurable": {"thread_id": run_id}}
    history = [s async for s in engine.graph.aget_state_history(config)]
    before = next(s for s in history if s.next == ("execute",))
    async for _ in engine.graph.astream(None, before.config, context=engine.context, stream_mode="updates"):
        pass
    return (await engine.graph.aget_state(config)).values


async def test_resume_and_replay_never_repeat_an_applied_action(ec) -> None:
    async with open_engine(load_settings()) as engine:
        paused = await engine.run(Incident(description=PROD_RESTART))
        assert paused["status"] == "awaiting_approval" and ec.mutations() == []
        run_id, digest = paused["run_id"], paused["actions"][0]["digest"]

        done = await approve(engine, paused)
        [action] = done["actions"]
        assert (done["status"], action["status"]) == ("completed", "executed")
        assert action["result"]["verification"]["outcome"] == "succeeded"
        assert len(_applied(ec)) == 1
        seen = len(ec.requests)

        await engine.resume(run_id, WAKE_UP)
        values = await _fork_before_execute(engine, run_id)
        [replayed] = values["actions"]
        assert (replayed["status"], replayed["result"]) == ("executed", action["result"])
        assert replayed["exchanges"] == []  # answered by the ledger: nothing was sent
    async with open_engine(load_settings()) as other:  # another process resumes the same run
        await other.resume(run_id, WAKE_UP)
    assert len(ec.requests) == seen and len(_applied(ec)) == 1
    assert ActionLedger(load_settings().state_db).get(run_id, digest).status == "executed"


async def test_a_crashed_claim_is_reported_not_resent(ec) -> None:
    async with open_engine(load_settings()) as engine:
        paused = await engine.run(Incident(description=PROD_RESTART))
        run_id, digest = paused["run_id"], paused["actions"][0]["digest"]
        ActionLedger(load_settings().state_db).claim(run_id, digest, owner="worker-that-died")
        done = await approve(engine, paused)
    failed, alert = done["actions"]
    assert (done["status"], failed["status"]) == ("failed", "failed")
    assert "outcome unknown; check the deployment before retrying" in failed["result"]["error"]
    assert "worker-that-died" in failed["result"]["error"]
    assert (alert["name"], alert["status"]) == ("send_alert", "planned")
    assert ec.mutations() == []


async def test_two_runs_never_mutate_one_deployment_at_once(ec) -> None:
    ec.set_controller("off")  # the first rollout stays unfinished (lock held) until we reconcile
    # Anti-flapping reserves the target when it judges, so the second restart would wait for approval
    # (cooldown): switch the cooldown off here, so both runs are auto and the lock is what keeps them apart.
    trust = load_settings().config_dir / "trust.yaml"
    trust.write_text(trust.read_text().replace("cooldown_s: 60", "cooldown_s: 0"))
    audit = AuditLog(load_settings().state_db)

    def reconcile_after_the_refusal() -> None:
        deadline = time.monotonic() + 300  # a hang guard: the loop ends as soon as the refusal is audited
        while time.monotonic() < deadline:
            if any(e.kind == "execution" and e.payload["status"] == "failed" for e in audit.entries()):
                break
            time.sleep(0.02)
        ec.reconcile("awoooi-staging", "awoooi-api")

    helper = threading.Thread(target=reconcile_after_the_refusal)
    incident = Incident(description="restart deployment awoooi-api in namespace awoooi-staging")
    async with open_engine(load_settings()) as engine:
        helper.start()
        results = await asyncio.gather(engine.run(incident, run_id="run-lock-a"),
                                       engine.run(Incident(description=incident.description), run_id="run-lock-b"))
    helper.join()
    statuses = sorted((r["actions"][0]["status"], r["run_id"]) for r in results)
    (won, winner), (lost, loser) = statuses
    assert (won, lost) == ("executed", "failed")
    refused = next(r for r in results if r["run_id"] == loser)["actions"][0]["result"]
    assert f"is locked by {winner}" in refused["error"] and refused["applied"] is False
    assert len(_applied(ec, "awoooi-staging")) == 1
    assert len([m for m in ec.mutations() if m["query"].get("dryRun") == "All"]) == 1  # the winner's pre-check


async def test_an_action_judged_for_another_cluster_is_not_run(ec, tmp_path, monkeypatch) -> None:
    config = yaml.safe_load(ec.kubeconfig_path.read_text())
    alias = {**config["contexts"][0], "name": "same-server-other-name"}
    config["contexts"].append(alias)
    two = tmp_path / "two-contexts"
    two.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("KUBECONFIG", str(two))
    async with open_engine(load_settings(kube_context=ec.context)) as engine:
        paused = await engine.run(Incident(description=PROD_RESTART))
    async with open_engine(load_settings(kube_context="same-server-other-name")) as other:
        done = await approve(other, paused)
    failed, alert = done["actions"]
    assert (done["status"], failed["status"], alert["name"]) == ("failed", "failed", "send_alert")
    assert f"approved for cluster {ec.context}@{ec.url}" in failed["result"]["error"]
    assert "--context" in failed["result"]["error"]
    assert ec.mutations() == []
