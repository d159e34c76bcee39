"""Two real processes completing one quorum at the same moment: the run resumes and executes once.

Covers: two processes (subprocesses sharing OPENCLAW_HOME, released together by a file
barrier) each submit the approval that could complete a quorum of 2: both approvals
count, exactly one process resumes, the action executes once (one ``resume`` and one
``execution`` audit entry), the run completes and the audit chain stays intact; three
processes settling a run whose quorum is already stored race for the resume claim and
exactly one wins.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from openclaw.approvals.signing import SignedDecision
from openclaw.engine import Engine
from openclaw.models.incident import Incident
from openclaw.storage.sqlite.approvals import ApprovalStore
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.settings import load_settings
from openclaw.signoff import now_of, sign_for_run
from openclaw.testing.approvers import config_with_approvers

pytestmark = pytest.mark.asyncio

REPO = Path(__file__).resolve().parents[2]
HANG_S = 600
"""Subprocess timeout: a guard against a hung process, not a speed requirement (machines are shared)."""
RACER = r"""
import asyncio, json, sys, time
from pathlib import Path
from openclaw.approvals.signing import SignedDecision
from openclaw.engine import Engine
from openclaw.settings import load_settings
from openclaw.signoff import settle, submit

async def main(mode, cfg, run_id, go, payload):
    async with Engine(load_settings(config_dir=cfg)) as engine:
        print("ready", flush=True)
        while not Path(go).exists():
            time.sleep(0.001)
        if mode == "submit":
            s = (await submit(engine, SignedDecision.model_validate_json(payload))).settlement
        else:
            s = await settle(engine, run_id)
        print(json.dumps({"resumed": s.resumed, "claimed_by": s.claimed_by, "status": s.status}), flush=True)

asyncio.run(main(*sys.argv[1:]))
"""


def _config(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    sre = ["sre"]
    return config_with_approvers(tmp_path, {"alice": sre, "bob": sre, "carol": sre},
                                 tiers={"standard": "2 from group sre"})


async def _race(tmp_path: Path, cfg: Path, run_id: str, jobs: list[tuple[str, str]]) -> list[dict]:
    go = tmp_path / f"go-{run_id}"
    env = {**os.environ, "OPENCLAW_HOME": os.environ["OPENCLAW_HOME"]}
    procs = [subprocess.Popen([sys.executable, "-c", RACER, mode, str(cfg), run_id, str(go), payload], cwd=REPO,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for mode, payload in jobs]
    for p in procs:  # every process has its engine open before the barrier falls
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    go.touch()
    outs = []
    for p in procs:
        out, err = await asyncio.to_thread(p.communicate, timeout=HANG_S)
        assert p.returncode == 0, err
        outs.append(json.loads(out.strip().splitlines()[-1]))
    return outs


async def _waiting_run(settings) -> dict:
    async with Engine(settings) as engine:
        run = await engine.run(Incident(description="please restart the awoooi-api deployment", source="chat",
                                        requested_by="carol"))
        run["_now"] = now_of(engine)
    assert run["status"] == "awaiting_approval" and run["actions"][0]["approvals_required"] == 2
    return run


def _audit_kinds(settings, run_id: str) -> list[str]:
    return [e.kind for e in AuditLog(settings.state_db).entries(run_id)]


@pytest.mark.timeout(2 * HANG_S)
async def test_two_processes_completing_the_quorum_resume_once(tmp_path):
    cfg, keys = _config(tmp_path)
    settings = load_settings(config_dir=cfg)
    run = await _waiting_run(settings)
    decisions = [sign_for_run(run, keys[n], kind="approve", approver=n, now=run["_now"])[0] for n in ("alice", "bob")]
    outs = await _race(tmp_path, cfg, run["run_id"], [("submit", d.model_dump_json()) for d in decisions])
    assert sum(o["resumed"] for o in outs) == 1, outs
    async with Engine(settings) as engine:
        done = engine.store.get(run["run_id"])
    assert done["status"] == "completed" and done["actions"][0]["status"] == "planned"
    assert sorted(a["approver"] for a in done["actions"][0]["approvals"]) == ["alice", "bob"]
    kinds = _audit_kinds(settings, run["run_id"])
    assert kinds.count("resume") == 1 and kinds.count("execution") == 1 and kinds.count("approval") == 2
    assert AuditLog(settings.state_db).verify() == []


@pytest.mark.timeout(2 * HANG_S)
async def test_processes_settling_a_met_quorum_race_for_one_resume(tmp_path):
    cfg, keys = _config(tmp_path)
    settings = load_settings(config_dir=cfg)
    run = await _waiting_run(settings)
    store = ApprovalStore(settings.state_db)
    for name in ("alice", "bob"):
        [d] = sign_for_run(run, keys[name], kind="approve", approver=name, now=run["_now"])
        assert store.add(name, SignedDecision.model_validate(d.model_dump()), received_at="2030-01-01T00:00:00Z")
    outs = await _race(tmp_path, cfg, run["run_id"], [("settle", "-")] * 2)
    assert sum(o["resumed"] for o in outs) == 1, outs
    kinds = _audit_kinds(settings, run["run_id"])
    assert kinds.count("resume") == 1 and kinds.count("execution") == 1
