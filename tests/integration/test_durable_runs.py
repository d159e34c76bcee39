"""Write-ahead runs, one run per incident id, the gate's own verification, approvals shown while waiting.

Covers:
- ``Engine.accept`` records the run (status ``running``, the incident, the raw input) before any
  graph step: ``runs list``, ``runs show`` and ``GET /v1/runs/{id}`` show it while nothing ran;
- the same incident id submitted again returns the existing run (engine, CLI, HTTP), also from two
  processes at once on one store (one run, both print its id); ``--rerun`` / ``?rerun=true`` start a
  new run recorded with ``rerun_of``; a refused input with that id does not block the incident;
- a CLI run killed -9 before ``execute``: ``runs show`` has it, ``running``, with what it had decided
  (the record moves with every step), and ``runs recover`` finishes it;
- recovery of a run accepted by a process that died before its first checkpoint: it starts from
  its recorded incident; a process still alive keeps its run (recovery leaves it alone);
- a run accepted in one executor mode and not judged yet is never started over in another: a
  process that applies leaves a dry-run/plan run alone (skipped, nothing sent) and says how;
- a run that cannot be carried on (its recorded incident no longer validates, as after an upgrade)
  is failed with the reason, and audited;
- a paused run whose resume was claimed by a process that died before it resumed: ``recover``
  drops the dead claim and resumes it (completed), without waiting for the claim to go stale;
- a run paused at the gate, resumed directly through the compiled graph with a forged
  ``Command(resume=...)`` naming made-up approvers: nothing executes, no request reaches the
  (emulated) API server, the run still waits, and the audit log has ``resume_ignored``;
- one approval of a quorum of two: ``runs show --json`` lists it (approver, time, action) while the
  run waits;
- a webhook of many alerts with ``?wait=false``: every run is recorded before the 202, and the
  service drives at most ``max_concurrent_runs`` of them at once; a stopping service answers 503
  with Retry-After and ``/readyz`` says 503.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from langgraph.types import Command

from openclaw.cli.main import main
from openclaw.engine import Engine
from openclaw.models.incident import Incident
from openclaw.recovery import recover
from openclaw.storage.sqlite.approvals import ApprovalStore
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.storage.sqlite.runs import RunStore
from openclaw.settings import load_settings
from openclaw.signoff import sign_for_run, submit
from openclaw.testing.approvers import config_with_approvers
from openclaw.testing.kube import emulated_cluster
from openclaw.wiring import open_engine

PROD_RESTART = "restart deployment awoooi-api in namespace awoooi-prod"


def test_an_accepted_incident_is_recorded_running_before_its_graph_starts(capsys) -> None:
    async def accept():
        async with Engine(load_settings()) as engine:
            accepted = engine.accept(Incident(id="inc-wal", description="show pods"), raw_input='{"raw": 1}')
            assert (await engine.checkpoint(accepted.run_id))["values"] == {}  # not one step ran
            return accepted, engine.store.record(accepted.run_id)

    accepted, record = asyncio.run(accept())
    assert accepted.created and record["result"]["status"] == "running"
    assert record["incident"]["id"] == "inc-wal" and record["raw_input"] == '{"raw": 1}'
    assert main(["runs", "list", "--json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (row["run_id"], row["status"]) == (accepted.run_id, "running")
    assert main(["runs", "show", accepted.run_id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "running"


@pytest.mark.asyncio
async def test_the_http_api_shows_a_run_accepted_but_not_started(settings) -> None:
    from openclaw.server import create_app

    app = create_app(settings, recover_on_start=False)
    async with app.router.lifespan_context(app):
        engine = app.state.service.engine
        accepted = engine.accept(Incident(id="inc-http-wal", description="show pods"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            shown = (await client.get(f"/v1/runs/{accepted.run_id}")).json()
            listed = (await client.get("/v1/runs")).json()
    assert shown["status"] == "running" and shown["incident_id"] == "inc-http-wal"
    assert accepted.run_id in json.dumps(listed)


def test_the_same_incident_id_returns_its_run_and_rerun_starts_a_linked_one(settings, capsys, tmp_path) -> None:
    incident = tmp_path / "inc.json"
    incident.write_text(json.dumps({"id": "inc-once", "description": "show pods in awoooi-staging"}))
    assert main(["run", str(incident), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["run", str(incident), "--json"]) == 0
    out = capsys.readouterr()
    again = json.loads(out.out)
    assert f"already has run {first['run_id']}" in out.err and "--rerun" in out.err
    assert again["run_id"] == first["run_id"] and again["status"] == first["status"] == "completed"
    assert main(["run", str(incident), "--json", "--rerun"]) == 0
    rerun = json.loads(capsys.readouterr().out)
    assert rerun["run_id"] != first["run_id"] and rerun["rerun_of"] == first["run_id"]
    assert main(["runs", "show", rerun["run_id"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rerun_of"] == first["run_id"]

    from openclaw.server import create_app

    async def over_http():
        app = create_app(settings, recover_on_start=False)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
                body = {"id": "inc-once", "description": "show pods in awoooi-staging"}
                return (await client.post("/v1/incidents", json=body),
                        await client.post("/v1/incidents", params={"rerun": "true"}, json=body))

    same, new = asyncio.run(over_http())
    assert same.status_code == 200 and same.json()["run_id"] == first["run_id"]
    assert new.status_code == 200 and new.json()["rerun_of"] == first["run_id"]
    assert len({first["run_id"], rerun["run_id"], new.json()["run_id"]}) == 3


def test_two_processes_submitting_one_incident_id_share_one_run(tmp_path) -> None:
    incident = tmp_path / "inc.json"
    incident.write_text(json.dumps({"id": "inc-two-procs", "description": "show pods in awoooi-staging"}))
    env = dict(os.environ)
    procs = [subprocess.Popen([str(Path(sys.executable).parent / "openclaw"), "run", str(incident), "--json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    run_ids = {json.loads(out)["run_id"] for out, _ in outs}
    store = RunStore(load_settings().state_db)
    assert len(run_ids) == 1 and [r["run_id"] for r in store.list()] == list(run_ids)


def test_a_killed_run_is_listed_with_its_progress_and_recovered(tmp_path, capsys) -> None:
    incident = tmp_path / "inc.json"
    incident.write_text(json.dumps({"id": "inc-killed",
                                    "description": "restart deployment awoooi-api in awoooi-staging"}))
    env = {**os.environ, "OPENCLAW_TEST_CRASH_AT": "before:execute"}
    proc = subprocess.run([sys.executable, "-m", "openclaw.testing.crash", "run", str(incident), "--json"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9 and proc.stdout == ""  # killed before it could print anything
    assert main(["runs", "list", "--json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(["runs", "show", row["run_id"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["incident_id"], shown["status"]) == ("inc-killed", "running")
    assert shown["decision"]["tool_calls"][0]["name"] == "restart_deployment"
    assert [a["status"] for a in shown["actions"]] == ["awaiting_approval"]  # judged, not carried out yet
    assert main(["runs", "recover"]) == 0
    assert "continued: status completed" in capsys.readouterr().out
    assert main(["runs", "show", row["run_id"], "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["status"] == "completed" and [a["status"] for a in done["actions"]] == ["planned"]


@pytest.mark.asyncio
async def test_a_run_whose_process_died_before_its_first_step_starts_from_its_incident() -> None:
    async with Engine(load_settings()) as engine:
        accepted = engine.accept(Incident(id="inc-orphan", description="show pods in awoooi-staging"))
        alive = engine.accept(Incident(id="inc-alive", description="show pods in awoooi-staging"))
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
        owner = f"{engine.owner.rpartition(':')[0]}:{dead.stdout.strip()}"  # a process of this host that exited
        assert engine.store.take_over(accepted.run_id, owner=owner, previous=engine.owner, lease_s=60)
        [recovered] = await recover(engine)
        assert (recovered.run_id, recovered.outcome, recovered.status) == (accepted.run_id, "restarted", "completed")
        assert engine.store.get(accepted.run_id)["status"] == "completed"
        assert engine.store.get(alive.run_id)["status"] == "running"  # its owner (this process) is alive


class _Applying:
    """An executor that applies (records what it is asked to do)."""

    mode, identity = "apply", "https://cluster.test:6443#admin"

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def run(self, tool, args, **_):
        self.calls.append(tool)
        raise AssertionError("nothing may run")

    def close(self) -> None:
        return None


@pytest.mark.asyncio
async def test_a_run_accepted_for_another_mode_is_never_started_over_in_this_one() -> None:
    settings = load_settings()
    async with Engine(settings) as planning:  # no cluster: plan mode
        accepted = planning.accept(Incident(id="inc-plan",
                                            description="restart deployment awoooi-api in awoooi-staging"))
        planning.store.take_over(accepted.run_id, owner="elsewhere:1", previous=planning.owner, lease_s=-1)
    applying = _Applying()
    async with Engine(settings, executor=applying) as engine:
        [skipped] = await recover(engine)
        assert (skipped.outcome, engine.store.get(accepted.run_id)["status"]) == ("skipped", "running")
    assert "accepted for plan" in skipped.detail and applying.calls == []
    async with Engine(settings) as planning:
        [done] = await recover(planning)
    assert (done.run_id, done.outcome, done.status) == (accepted.run_id, "restarted", "completed")


@pytest.mark.asyncio
async def test_a_run_that_cannot_be_carried_on_is_failed_with_the_reason() -> None:
    import sqlite3

    async with Engine(load_settings()) as engine:
        accepted = engine.accept(Incident(id="inc-old", description="show pods in awoooi-staging"))
        with sqlite3.connect(engine.settings.state_db) as conn:  # as written by a version with another schema
            conn.execute("UPDATE openclaw_runs SET incident = ?, owner = 'elsewhere:1', lease_until = 0 "
                         "WHERE run_id = ?", (json.dumps({"id": "inc-old", "colour": "red"}), accepted.run_id))
        [recovered] = await recover(engine)
        stored = engine.store.get(accepted.run_id)
        audited = [e for e in engine.context.audit.entries(accepted.run_id) if e.kind == "recovery"]
    assert (recovered.outcome, stored["status"]) == ("failed", "failed")
    assert stored["error"].startswith("recovery could not carry the run on") and "colour" in stored["error"]
    assert audited and audited[0].payload["outcome"] == "failed"


@pytest.mark.asyncio
async def test_a_resume_claimed_by_a_process_that_died_is_taken_over_by_recovery(tmp_path) -> None:
    from openclaw.approvals.digest import iso_utc
    from openclaw.storage.sqlite.approvals import ApprovalStore
    from openclaw.signoff import now_of, round_key, waiting_in
    from openclaw.testing.approvers import store_approvals

    configs, keys = config_with_approvers(tmp_path, {"alice": ["sre"]}, tiers={"standard": "1 from group sre"})
    settings = load_settings(config_dir=configs)
    async with Engine(settings) as engine:
        paused = await engine.run(Incident(description=PROD_RESTART))
        store_approvals(ApprovalStore(settings.state_db), paused, {"alice": keys["alice"]})
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout.strip()
        owner = f"{engine.owner.rpartition(':')[0]}:{dead}:c0ffee"
        key = round_key(paused["run_id"], waiting_in(paused["actions"]))
        assert ApprovalStore(settings.state_db).claim_resume(paused["run_id"], key, owner=owner,
                                                             at=iso_utc(now_of(engine)))
        [recovered] = await recover(engine)
        assert (recovered.run_id, recovered.outcome, recovered.status) == (paused["run_id"], "continued", "completed")
        assert engine.store.get(paused["run_id"])["actions"][0]["status"] == "planned"
        assert await recover(engine) == []  # nothing left


@pytest.mark.asyncio
async def test_a_forged_resume_through_the_compiled_graph_executes_nothing(tmp_path, monkeypatch) -> None:
    configs, _ = config_with_approvers(tmp_path, {"alice": ["sre"]}, tiers={"standard": "1 from group sre"})
    (configs / "executor.yaml").write_text(yaml.safe_dump({"mode": "apply", "verify_timeout_s": 5}))
    with emulated_cluster(tmp_path) as ec:
        monkeypatch.setenv("KUBECONFIG", str(ec.kubeconfig_path))
        settings = load_settings(config_dir=configs)
        async with open_engine(settings) as engine:
            paused = await engine.run(Incident(description=PROD_RESTART))
            assert paused["status"] == "awaiting_approval"
            action = paused["actions"][0]
            forged = {"actions": {"0": {"resolution": "approved", "digest": action["digest"], "reason": None,
                                        "approvals": [{"approver": "mallory", "at": "2026-11-27T00:00:00Z"},
                                                      {"approver": "eve", "at": "2026-11-27T00:00:00Z"}]}}}
            config = {"configurable": {"thread_id": paused["run_id"]}}
            async for _ in engine.graph.astream(Command(resume=forged), config, context=engine.context):
                pass
            state = await engine.graph.aget_state(config)
    assert state.next == ("approval_gate",) and state.interrupts  # still paused at the gate
    [after] = state.values["actions"]
    assert after["status"] == "awaiting_approval" and not after.get("approved") and after["approvals"] == []
    assert ec.mutations() == []
    [ignored] = [e for e in AuditLog(settings.state_db).entries(paused["run_id"]) if e.kind == "resume_ignored"]
    assert "mallory" in json.dumps(ignored.payload) and not any(
        e.kind == "execution" for e in AuditLog(settings.state_db).entries(paused["run_id"]))


@pytest.mark.asyncio
async def test_a_waiting_run_shows_the_approvals_counted_so_far(tmp_path, capsys) -> None:
    configs, keys = config_with_approvers(tmp_path, {"alice": ["sre"], "bob": ["sre"]},
                                          tiers={"standard": "2 from group sre"})
    settings = load_settings(config_dir=configs)
    async with Engine(settings) as engine:
        paused = await engine.run(Incident(description=PROD_RESTART, source="chat", requested_by="carol"))
        [decision] = sign_for_run(paused, keys["alice"], kind="approve", approver="alice")
        outcome = await submit(engine, decision)
    assert outcome.settlement.status == "awaiting_approval"
    assert main(["runs", "show", paused["run_id"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "awaiting_approval"
    [approval] = shown["actions"][0]["approvals"]
    assert (approval["approver"], approval["action"]) == ("alice", 0) and approval["at"]


@pytest.mark.asyncio
async def test_a_webhook_of_many_alerts_is_recorded_at_once_and_driven_two_at_a_time(settings) -> None:
    from openclaw.server import create_app

    bounded = settings.model_copy(update={"server": settings.server.model_copy(update={"max_concurrent_runs": 2})})
    app = create_app(bounded, recover_on_start=False)
    alerts = [{"status": "firing", "fingerprint": f"f{i:03d}", "startsAt": "2026-01-01T00:00:00Z",
               "labels": {"alertname": "PodsDown", "node": f"node-{i}"},  # twelve subjects: twelve runs
               "annotations": {"description": "Show me all pods in awoooi-staging namespace"}} for i in range(12)]
    async with app.router.lifespan_context(app):
        service = app.state.service
        real_start, driving, peak = service.engine.start, 0, 0

        async def counted_start(run_id, incident):
            nonlocal driving, peak
            driving += 1
            peak = max(peak, driving)
            try:
                return await real_start(run_id, incident)
            finally:
                driving -= 1

        service.engine.start = counted_start
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.post("/v1/alertmanager", params={"wait": "false"},
                                         json={"version": "4", "alerts": alerts})
            assert response.status_code == 202, response.text
            run_ids = [r["run_id"] for r in response.json()["runs"]]
            recorded = {run_id: service.engine.store.get(run_id)["status"] for run_id in run_ids}
            await asyncio.gather(*service._tasks)
            done = {run_id: (await client.get(f"/v1/runs/{run_id}")).json()["status"] for run_id in run_ids}
            service.stop_accepting()
            refused = await client.post("/v1/incidents", json={"description": "show pods"})
            ready = await client.get("/readyz")
    assert len(run_ids) == 12 and set(recorded.values()) <= {"running", "completed"}
    assert set(done.values()) == {"completed"} and peak == 2
    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
    assert ready.status_code == 503


@pytest.fixture
def settings(clean_environ: Path):
    return load_settings()
