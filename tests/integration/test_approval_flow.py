"""The M-of-N approval flow end to end: Engine + openclaw.signoff + approvers.yaml + audit log.

Runs get their actions from a real LLM client talking to the loopback simulator (two
waiting actions: a production restart, tier standard "2 from group sre", and a scale to
zero, tier high "2 from group sre") or from the rules provider.

Covers: the quorum counts distinct people (the same person twice, or a second key
registered to the same name, counts once); the requester can never approve; an approver
outside the tier's group is refused; refusals are one line, never stored, audited; the
run resumes only when every waiting action is final and then executes exactly the frozen
operation; a late approval has no effect; a signature over action A never counts for
action B or another run; a late rejection of an action that is already approved, while
another action of the run still waits, is refused and not stored; an unknown key and an
empty approvers.yaml are refused with the fix; a rejection vetoes and the run ends
rejected with nothing executed; request expiry ends the run as expired; an approval
that expired before the quorum stops counting; `--print` decisions submitted through
signoff.submit count; the approve and reject commands work across processes
(subprocesses sharing OPENCLAW_HOME); `openclaw audit verify` is intact after a flow and
catches an edited approval entry.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from openclaw.approvals.approvers import add_approver
from openclaw.approvals.keys import generate_keypair
from openclaw.approvals.signing import SignedDecision, sign_decision
from openclaw.cli.main import main
from openclaw.engine import Engine
from openclaw.errors import ApprovalRefused
from openclaw.models.incident import Incident
from openclaw.storage.sqlite.approvals import ApprovalStore
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.settings import load_settings, shipped_config_dir
from openclaw.signoff import approver_for_key, load_current_approvers, now_of, settle, sign_for_run, submit
from openclaw.testing.approvers import config_with_approvers
from openclaw.testing.llm_sim import LLMSimulator, ToolCall, ToolCalls
from openclaw.wiring import build_registry

pytestmark = pytest.mark.asyncio

RESTART = ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-prod"})
SCALE_ZERO = ToolCall("scale_deployment", {"deployment": "awoooi-web", "namespace": "awoooi-prod", "replicas": 0})
PEOPLE = {"alice": ["sre"], "bob": ["sre"], "carol": ["sre"], "dave": []}


def make_config(tmp_path: Path, tiers: dict | None = None) -> tuple[Path, dict[str, Path]]:
    """A config dir with alice, bob, carol (sre), dave (no group), a second key of alice, and tiers."""
    cfg, keys = config_with_approvers(tmp_path, PEOPLE)
    laptop = generate_keypair("alice-laptop", tmp_path / "keys")
    add_approver(cfg / "approvers.yaml", "alice", laptop.public_key, ["sre"])
    keys["alice-laptop"] = laptop.private_path
    keys["mallory"] = generate_keypair("mallory", tmp_path / "keys").private_path  # never registered
    data = yaml.safe_load((cfg / "approvers.yaml").read_text())
    data["tiers"] = tiers if tiers is not None else {"standard": "2 from group sre", "high": "2 from group sre"}
    (cfg / "approvers.yaml").write_text(yaml.safe_dump(data))
    return cfg, keys


@pytest.fixture
def sim():
    with LLMSimulator() as s:
        s.set_default(ToolCalls((RESTART, SCALE_ZERO)), prefix="nim")
        yield s


@pytest.fixture
def world(tmp_path, sim):
    cfg, keys = make_config(tmp_path)
    env = {"NVIDIA_API_KEY": "nvapi-test", "NVIDIA_API_BASE_URL": sim.openai_url("nim"),
           "OPENCLAW_HOME": str(tmp_path / "home")}
    settings = load_settings(config_dir=cfg, environ=env)
    return settings, keys


async def start(settings, requested_by="carol", description="API down: restart awoooi-api, scale awoooi-web to 0"):
    engine = Engine(settings, registry=build_registry(settings))
    await engine.__aenter__()
    result = await engine.run(Incident(description=description, requested_by=requested_by, source="chat"))
    return engine, result


def decide(engine, run, key, name, *, kind="approve", index=None, reason=None, **kw):
    return sign_for_run(run, key, kind=kind, approver=name, action_index=index, reason=reason,
                        now=now_of(engine), **kw)


async def refused(engine, decision, match):
    with pytest.raises(ApprovalRefused, match=match) as info:
        await submit(engine, decision)
    assert "\n" not in str(info.value)


async def test_quorum_of_distinct_people_then_the_frozen_actions_execute(world):
    settings, keys = world
    engine, run = await start(settings)
    try:
        assert run["status"] == "awaiting_approval"
        assert [(a["verdict"], a["approvals_required"]) for a in run["actions"]] == [("approval", 2), ("approval", 2)]
        frozen = (await engine.checkpoint(run["run_id"]))["values"]["actions"]
        [a0] = decide(engine, run, keys["alice"], "alice", index=0)
        first = await submit(engine, a0)
        assert (first.tally.counted, first.tally.missing, first.settlement.resumed) == (["alice"], 1, False)
        await refused(engine, decide(engine, run, keys["alice"], "alice", index=0)[0], "already counted")
        await refused(engine, decide(engine, run, keys["alice-laptop"], "alice", index=0)[0], "already counted")
        await refused(engine, decide(engine, run, keys["dave"], "dave", index=0)[0], "group 'sre'")
        await refused(engine, decide(engine, run, keys["carol"], "carol", index=0)[0], "requested this action")
        second = await submit(engine, decide(engine, run, keys["bob"], "bob", index=0)[0])
        assert second.tally.resolution == "approved" and not second.settlement.resumed  # action 1 still waits
        assert (await engine.checkpoint(run["run_id"]))["next"] == ["approval_gate"]
        await submit(engine, decide(engine, run, keys["bob"], "bob", index=1)[0])
        last = await submit(engine, decide(engine, run, keys["alice-laptop"], "alice", index=1)[0])
        assert last.settlement.resumed and last.settlement.status == "completed"
        assert "resumed here" in last.message
        done = engine.store.get(run["run_id"])
        assert [a["status"] for a in done["actions"]] == ["planned", "planned"]
        assert [[x["approver"] for x in a["approvals"]] for a in done["actions"]] == [["alice", "bob"], ["bob", "alice"]]
        values = (await engine.checkpoint(run["run_id"]))["values"]["actions"]
        for before, after in zip(frozen, values, strict=True):
            assert (after["tool_args"], after["digest"], after["request"]) == (
                before["tool_args"], before["digest"], before["request"])
        call = done["actions"][1]["result"]["calls"][0]
        assert call["path"].endswith("/namespaces/awoooi-prod/deployments/awoooi-web/scale")
        assert call["body"]["spec"]["replicas"] == 0
        late = sign_decision(keys["carol"], kind="approve", run_id=run["run_id"], action_index=0,
                             digest=run["actions"][0]["digest"], approver="carol", now=now_of(engine))
        await refused(engine, late, "no longer waiting")
        stored = ApprovalStore(settings.state_db).decisions(run["run_id"])
        assert sorted((s.decision.action_index, s.person) for s in stored) == [
            (0, "alice"), (0, "bob"), (1, "alice"), (1, "bob")]
        kinds = [e.kind for e in AuditLog(settings.state_db).entries(run["run_id"])]
        assert kinds.count("verdict") == 2 and kinds.count("approval") == 4 and kinds.count("resume") == 1
        assert kinds.count("approval_refused") == 5 and kinds.count("execution") == 2
        assert AuditLog(settings.state_db).verify() == []
    finally:
        await engine.__aexit__(None, None, None)


async def test_a_late_decision_on_a_final_action_is_refused_while_another_action_still_waits(world):
    settings, keys = world
    engine, run = await start(settings)
    try:
        for name in ("alice", "bob"):
            await submit(engine, decide(engine, run, keys[name], name, index=0)[0])
        assert (await engine.checkpoint(run["run_id"]))["next"] == ["approval_gate"]  # action 1 still waits
        # bob has not rejected yet, so only the "already final" check stands between this veto and the tally
        await refused(engine, decide(engine, run, keys["bob"], "bob", kind="reject", index=0, reason="changed my mind")[0],
                      "action 0 of run .* is already final \\(approved\\)")
        stored = ApprovalStore(settings.state_db).decisions(run["run_id"], 0)
        assert [(s.person, s.decision.kind) for s in stored] == [("alice", "approve"), ("bob", "approve")]
        await submit(engine, decide(engine, run, keys["alice"], "alice", index=1)[0])
        last = await submit(engine, decide(engine, run, keys["bob"], "bob", index=1)[0])
        assert last.settlement.status == "completed"
        assert [a["status"] for a in engine.store.get(run["run_id"])["actions"]] == ["planned", "planned"]
    finally:
        await engine.__aexit__(None, None, None)


async def test_a_signature_never_counts_for_another_action_or_run(world):
    settings, keys = world
    engine, one = await start(settings)
    try:
        two = await engine.run(Incident(description="API down: restart awoooi-api, scale awoooi-web to 0",
                                         requested_by="carol", source="chat"))
        assert len(two["actions"]) == 2
        [for_a] = decide(engine, one, keys["alice"], "alice", index=0)
        await refused(engine, for_a.model_copy(update={"action_index": 1}), "bad signature")
        await refused(engine, for_a.model_copy(update={"run_id": two["run_id"]}), "bad signature")
        wrong_digest = sign_decision(keys["alice"], kind="approve", run_id=one["run_id"], action_index=1,
                                     digest=one["actions"][0]["digest"], approver="alice", now=now_of(engine))
        await refused(engine, wrong_digest, "digest")
        other_run = sign_decision(keys["alice"], kind="approve", run_id=two["run_id"], action_index=0,
                                  digest=one["actions"][0]["digest"], approver="alice", now=now_of(engine))
        await refused(engine, other_run, "another request")
        await refused(engine, for_a.model_copy(update={"approver": "bob"}), "bad signature")
        assert ApprovalStore(settings.state_db).decisions(one["run_id"]) == []
        assert ApprovalStore(settings.state_db).decisions(two["run_id"]) == []
    finally:
        await engine.__aexit__(None, None, None)


async def test_a_rejection_vetoes_and_nothing_executes(world):
    settings, keys = world
    engine, run = await start(settings)
    try:
        await submit(engine, decide(engine, run, keys["alice"], "alice", index=0)[0])
        vetoed = await submit(engine, decide(engine, run, keys["bob"], "bob", kind="reject", index=0,
                                             reason="wrong target")[0])
        assert vetoed.tally.resolution == "rejected" and vetoed.tally.rejected_by == ["bob"]
        await refused(engine, decide(engine, run, keys["dave"], "dave", index=0)[0], "group")
        await refused(engine, sign_decision(keys["alice"], kind="approve", run_id=run["run_id"], action_index=0,
                                            digest=run["actions"][0]["digest"], approver="alice",
                                            now=now_of(engine)), "already")
        last = await submit(engine, decide(engine, run, keys["alice"], "alice", kind="reject", index=1,
                                           reason="not during the sale")[0])
        assert last.settlement.resumed and last.settlement.status == "rejected"
        done = engine.store.get(run["run_id"])
        assert [a["status"] for a in done["actions"]] == ["rejected", "rejected"]
        assert all(a["result"] is None for a in done["actions"])
        assert "bob: wrong target" in done["actions"][0]["reasons"][-1]
        kinds = [e.kind for e in AuditLog(settings.state_db).entries(run["run_id"])]
        assert "execution" not in kinds and kinds.count("rejection") == 2
    finally:
        await engine.__aexit__(None, None, None)


async def test_unknown_keys_and_an_empty_approvers_file_are_refused_with_the_fix(world, tmp_path):
    settings, keys = world
    with pytest.raises(ApprovalRefused, match="not registered .*openclaw approvers add"):
        approver_for_key(load_current_approvers(settings.config_dir), keys["mallory"], config_dir=settings.config_dir)
    engine, run = await start(settings)
    try:
        forged = sign_decision(keys["mallory"], kind="approve", run_id=run["run_id"], action_index=0,
                               digest=run["actions"][0]["digest"], approver="alice", now=now_of(engine))
        await refused(engine, forged, "not registered")
        shutil.copy(shipped_config_dir() / "approvers.yaml", settings.config_dir / "approvers.yaml")
        await refused(engine, decide(engine, run, keys["alice"], "alice", index=0)[0],
                      "no approvers are registered .*openclaw keys generate")
        assert engine.store.get(run["run_id"])["status"] == "awaiting_approval"
    finally:
        await engine.__aexit__(None, None, None)


async def test_an_expired_request_ends_the_run_as_expired(world):
    settings, keys = world
    engine, run = await start(settings)
    try:
        signed_in_time = decide(engine, run, keys["alice"], "alice", index=0, ttl_s=7200)[0]
        clock = engine.context.clock
        engine.context.clock = lambda: clock() + 3601
        await refused(engine, signed_in_time, "request expired")
        done = engine.store.get(run["run_id"])
        assert done["status"] == "expired" and [a["status"] for a in done["actions"]] == ["expired", "expired"]
        assert all(a["result"] is None for a in done["actions"])
    finally:
        await engine.__aexit__(None, None, None)


async def test_an_approval_that_expired_before_the_quorum_stops_counting(world):
    settings, keys = world
    engine, run = await start(settings)
    try:
        await submit(engine, decide(engine, run, keys["alice"], "alice", index=0, ttl_s=60)[0])
        clock = engine.context.clock
        engine.context.clock = lambda: clock() + 120
        later = await submit(engine, decide(engine, run, keys["bob"], "bob", index=0)[0])
        assert later.tally.counted == ["bob"] and later.tally.resolution is None
        assert any("expired" in why for _, why in later.tally.ignored)
        settled = await settle(engine, run["run_id"])
        assert not settled.resumed and settled.status == "awaiting_approval"
    finally:
        await engine.__aexit__(None, None, None)


async def test_printed_decisions_count_when_submitted(world, capsys, monkeypatch):
    settings, keys = world
    engine, run = await start(settings)
    await engine.__aexit__(None, None, None)
    env_dir = ["--config-dir", str(settings.config_dir)]
    monkeypatch.setenv("OPENCLAW_HOME", str(settings.home))
    assert main(["approve", run["run_id"], "--key", str(keys["alice"]), "--print", *env_dir]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [d["action_index"] for d in lines] == [0, 1] and {d["approver"] for d in lines} == {"alice"}
    engine = Engine(settings, registry=build_registry(settings))
    async with engine:
        results = [await submit(engine, SignedDecision.model_validate(d)) for d in lines]
    assert [r.tally.counted for r in results] == [["alice"], ["alice"]]


HANG_S = 600
"""Subprocess timeout: a guard against a hung process, not a speed requirement (machines are shared)."""


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENCLAW_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "openclaw.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=HANG_S, cwd=Path(__file__).resolve().parents[2])


@pytest.mark.timeout(3 * HANG_S)
async def test_approve_and_reject_work_across_processes(tmp_path, monkeypatch, capsys):
    cfg, keys = make_config(tmp_path, tiers={"standard": "2 from group sre"})
    settings = load_settings(config_dir=cfg, environ={"OPENCLAW_HOME": str(tmp_path / "home")})
    async with Engine(settings) as engine:
        approve_me = await engine.run(Incident(description="please restart the awoooi-api deployment",
                                               requested_by="carol", source="chat"))
        reject_me = await engine.run(Incident(description="please restart the awoooi-web deployment",
                                              requested_by="carol", source="chat"))
    home, opts = settings.home, ["--config-dir", str(cfg)]
    first, veto = await asyncio.gather(  # two processes at once, on two runs
        asyncio.to_thread(_cli, home, "approve", approve_me["run_id"], "--key", str(keys["alice"]), *opts),
        asyncio.to_thread(_cli, home, "reject", reject_me["run_id"], "--key", str(keys["bob"]), "--reason",
                          "not now", *opts))
    assert first.returncode == 0 and "1 of 2" in first.stdout, first.stderr
    assert veto.returncode == 0 and "status rejected" in veto.stdout, veto.stderr
    monkeypatch.setenv("OPENCLAW_HOME", str(home))  # refusals, in this process: one line, exit 2
    for key, why in (("alice-laptop", "counts once"), ("carol", "cannot decide"), ("mallory", "not registered")):
        assert await asyncio.to_thread(main, ["approve", approve_me["run_id"], "--key", str(keys[key]), *opts]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and why in err and "Traceback" not in err
    second = _cli(home, "approve", approve_me["run_id"], "--key", str(keys["bob"]), *opts)
    assert second.returncode == 0 and "status completed" in second.stdout, second.stderr
    async with Engine(settings) as engine:
        assert engine.store.get(approve_me["run_id"])["actions"][0]["status"] == "planned"
        assert engine.store.get(reject_me["run_id"])["status"] == "rejected"
    assert main(["audit", "verify"]) == 0


async def test_audit_verify_catches_an_edited_approval(tmp_path, capsys):
    cfg, keys = make_config(tmp_path, tiers={"standard": "1 from group sre"})
    settings = load_settings(config_dir=cfg, environ={"OPENCLAW_HOME": str(tmp_path / "home")})
    async with Engine(settings) as engine:
        run = await engine.run(Incident(description="please restart the awoooi-api deployment",
                                        requested_by="carol", source="chat"))
        [decision] = decide(engine, run, keys["alice"], "alice")
        assert (await submit(engine, decision)).settlement.status == "completed"
    assert main(["audit", "verify", "--db", str(settings.state_db)]) == 0
    conn = sqlite3.connect(settings.state_db, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET payload = replace(payload, 'alice', 'bob__') WHERE kind = 'approval'")
    conn.close()
    capsys.readouterr()
    assert main(["audit", "verify", "--db", str(settings.state_db)]) == 1
    assert "edited" in capsys.readouterr().out


async def test_decisions_expire_on_their_own_clock(tmp_path):
    """sign_for_run honours ttl_s (what `openclaw approve --ttl` sets)."""
    key = generate_keypair("alice", tmp_path).private_path
    run = {"run_id": "run-x", "status": "awaiting_approval",
           "actions": [{"index": 0, "verdict": "approval", "status": "awaiting_approval", "digest": "b" * 64}]}
    [d] = sign_for_run(run, key, kind="approve", approver="alice", ttl_s=90)
    from openclaw.approvals.digest import parse_utc

    assert parse_utc(d.expires_at) - parse_utc(d.signed_at) == timedelta(seconds=90)
    with pytest.raises(ApprovalRefused, match="not waiting"):
        sign_for_run(run, key, kind="approve", approver="alice", action_index=3)
