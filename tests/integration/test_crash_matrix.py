"""The crash matrix: kill -9 a run at each node boundary and right after its mutation, then recover.

Covers, with the real CLI in a subprocess (``python -m openclaw.testing.crash``, the ``openclaw``
command plus a kill hook read from OPENCLAW_TEST_CRASH_AT) applying a restart on kmock's emulator:

- a kill at a node boundary (``before:<node>`` / ``after:<node>``), right after the PATCH reached
  the API server (the emulator kills the client before it answers), or at a random moment after
  the run was recorded;
  then ``openclaw runs recover --apply``. Per trial: at most one real mutation reached the
  server; every accepted run ends terminal or awaiting approval (none is left ``running``); a
  mutation that reached the server is reported executed (reconciled from the cluster, not re-sent);
  ``openclaw audit verify`` is intact;
- an approval whose process (``openclaw approve --apply``) is killed right after its PATCH: recovery
  ends the run ``completed`` with the action executed, one mutation, and the lock it held released;
- ``openclaw serve`` answering ``?wait=false`` (202) to a batch of incidents, sent SIGTERM at a
  random moment: stopping answers 503 with Retry-After, and after a restart every run id that was
  answered 202 resolves (terminal or awaiting approval) with no duplicate mutation.

The default is small (the boundaries around execute, one kill after the mutation, one random
kill, the approval, one serve trial). The full matrix: OPENCLAW_CRASH_MATRIX=full (every
boundary of every node), OPENCLAW_CRASH_RANDOM_KILLS=N random kills, OPENCLAW_CRASH_SERVE_TRIALS=N.
Random delays come from a seeded generator (OPENCLAW_CRASH_SEED), so a failing trial can be rerun.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from openclaw.cli.main import main
from openclaw.storage.sqlite.ledger import TargetLocks
from openclaw.storage.sqlite.runs import RunStore
from openclaw.settings import load_settings
from openclaw.testing.approvers import config_with_approvers
from openclaw.testing.kube import EmulatedCluster, emulated_cluster

NODES = ("classify_intent", "analyze_complexity", "decide", "trust", "approval_gate", "execute", "report")
FULL = os.environ.get("OPENCLAW_CRASH_MATRIX") == "full"
BOUNDARIES = ([f"{when}:{node}" for node in NODES for when in ("before", "after")] if FULL
              else ["after:trust", "before:execute", "after:execute"])
RANDOM_KILLS = int(os.environ.get("OPENCLAW_CRASH_RANDOM_KILLS", "1"))
SERVE_TRIALS = int(os.environ.get("OPENCLAW_CRASH_SERVE_TRIALS", "1"))
SEED = int(os.environ.get("OPENCLAW_CRASH_SEED", "11"))
TERMINAL = {"completed", "denied", "rejected", "expired", "failed", "awaiting_approval"}
STAGING = "/apis/apps/v1/namespaces/awoooi-staging/deployments/awoooi-api"
PROD = "/apis/apps/v1/namespaces/awoooi-prod/deployments/awoooi-api"
RANDOM_WINDOW_S = (0.0, 1.0)
"""Random kills land uniformly in this window, seconds after the run is recorded (accepted): it judges,
dry-runs, applies and verifies in about that time here."""


class World:
    def __init__(self, tmp_path: Path, ec: EmulatedCluster, config_dir: Path, keys: dict[str, Path]) -> None:
        self.tmp, self.ec, self.config_dir, self.keys = tmp_path, ec, config_dir, keys
        self.home = Path(os.environ["OPENCLAW_HOME"])
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCLAW_TEST_")}
        self.env.update(OPENCLAW_HOME=str(self.home), OPENCLAW_CONFIG_DIR=str(config_dir),
                        KUBECONFIG=str(ec.kubeconfig_path), PYTHONUNBUFFERED="1")

    def spawn(self, *args: str, crash_at: str | None = None) -> subprocess.Popen:
        env = dict(self.env)
        if crash_at:
            env["OPENCLAW_TEST_CRASH_AT"] = crash_at
        return subprocess.Popen([sys.executable, "-m", "openclaw.testing.crash", *args], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def applied(self, path: str) -> list[dict]:
        return [m for m in self.ec.mutations() if m["path"] == path and "dryRun" not in m["query"]]

    def incident(self, incident_id: str, description: str) -> Path:
        path = self.tmp / f"{incident_id}.json"
        path.write_text(json.dumps({"id": incident_id, "description": description}))
        return path

    def runs(self) -> list[dict]:
        store = RunStore(load_settings().state_db)
        try:
            return [store.get(r["run_id"]) for r in store.list(limit=10_000)]
        finally:
            store.close()


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    configs, keys = config_with_approvers(tmp_path, {"alice": ["sre"]}, tiers={"standard": "1 from group sre"})
    (configs / "executor.yaml").write_text(yaml.safe_dump(
        {"mode": "apply", "verify_timeout_s": 10, "poll_interval_s": 0.05, "max_retries": 1, "backoff_s": 0.01}))
    with emulated_cluster(tmp_path) as ec:
        monkeypatch.setenv("KUBECONFIG", str(ec.kubeconfig_path))
        monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(configs))
        yield World(tmp_path, ec, configs, keys)


def _finish(proc: subprocess.Popen, timeout: float = 180) -> int:
    try:
        proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the process neither finished nor was killed")
    return proc.returncode


def _wait_until_accepted(world: World, proc: subprocess.Popen, incident_id: str) -> None:
    """Return once the process has recorded the incident's run (or has exited)."""
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with sqlite3.connect(f"file:{world.home / 'openclaw.db'}?mode=ro", uri=True, timeout=5) as conn:
                if conn.execute("SELECT 1 FROM openclaw_runs WHERE incident_id = ?", (incident_id,)).fetchone():
                    return
        except sqlite3.Error:
            pass  # not created yet
        time.sleep(0.01)


def _recover_and_check(world: World, capsys: pytest.CaptureFixture, *, path: str = STAGING) -> list[dict]:
    """`openclaw runs recover --apply`, then the per-trial invariants; returns every run."""
    capsys.readouterr()
    main(["runs", "recover", "--apply"])
    recovered = capsys.readouterr().out
    runs = world.runs()
    assert len(world.applied(path)) <= 1, f"a mutation was repeated: {world.applied(path)}"
    for run in runs:
        assert run["status"] in TERMINAL, f"run {run['run_id']} left {run['status']}: {recovered}"
    executed = [a for r in runs for a in r["actions"] if a["mutating"] and a["status"] == "executed"]
    assert len(executed) == len(world.applied(path)), (runs, world.applied(path))
    assert main(["audit", "verify"]) == 0, capsys.readouterr()
    return runs


def _trial(world: World, capsys: pytest.CaptureFixture, *, crash_at: str | None = None,
           kill_after_s: float | None = None, kill_on_mutation: bool = False) -> tuple[int, list[dict]]:
    incident = world.incident("inc-crash", "restart deployment awoooi-api in namespace awoooi-staging")
    proc = world.spawn("run", str(incident), "--apply", "--json", crash_at=crash_at)
    if kill_on_mutation:
        world.ec.after_mutation(lambda _request: os.kill(proc.pid, signal.SIGKILL))
    if kill_after_s is not None:
        _wait_until_accepted(world, proc, "inc-crash")
        try:
            proc.wait(timeout=kill_after_s)
        except subprocess.TimeoutExpired:
            proc.kill()
    code = _finish(proc)
    world.ec.after_mutation(None)
    return code, _recover_and_check(world, capsys)


@pytest.mark.parametrize("crash_at", BOUNDARIES)
def test_kill_at_a_node_boundary_then_recover(world: World, capsys: pytest.CaptureFixture, crash_at: str) -> None:
    code, runs = _trial(world, capsys, crash_at=crash_at)
    assert code == -signal.SIGKILL, "the crash point was never reached"
    [run] = runs
    assert run["incident_id"] == "inc-crash" and run["status"] == "completed"
    assert run["actions"][0]["status"] == "executed" and len(world.applied(STAGING)) == 1


def test_kill_right_after_the_mutation_reached_the_server(world: World, capsys: pytest.CaptureFixture) -> None:
    code, runs = _trial(world, capsys, kill_on_mutation=True)
    assert code == -signal.SIGKILL
    [run] = runs
    [action] = run["actions"]
    assert (run["status"], action["status"]) == ("completed", "executed"), run
    assert action["result"]["reconciled"] is True and action["result"]["verification"]["outcome"] == "succeeded"
    assert len(world.applied(STAGING)) == 1
    assert TargetLocks(load_settings().state_db).try_acquire(world.ec.url + STAGING, owner="next-run") is None


@pytest.mark.parametrize("trial", range(RANDOM_KILLS))
def test_kill_at_a_random_moment_then_recover(world: World, capsys: pytest.CaptureFixture, trial: int,
                                             record_property: Callable[[str, object], None]) -> None:
    delay = random.Random(SEED * 1000 + trial).uniform(*RANDOM_WINDOW_S)
    code, runs = _trial(world, capsys, kill_after_s=delay)
    [run] = runs  # killed after it was accepted: the run exists and has ended (checked above)
    assert run["incident_id"] == "inc-crash"
    record_property("delay_s", round(delay, 2))
    record_property("killed", code == -signal.SIGKILL)
    record_property("runs", [(r["status"], [a["status"] for a in r["actions"]]) for r in runs])
    record_property("mutations", len(world.applied(STAGING)))


def test_an_approval_killed_right_after_its_patch_ends_completed(world: World, capsys: pytest.CaptureFixture) -> None:
    incident = world.incident("inc-prod", "restart deployment awoooi-api in namespace awoooi-prod")
    assert main(["run", str(incident), "--apply", "--json"]) == 0
    paused = json.loads(capsys.readouterr().out)
    assert paused["status"] == "awaiting_approval"
    proc = world.spawn("approve", paused["run_id"], "--key", str(world.keys["alice"]), "--apply")
    world.ec.after_mutation(lambda _request: os.kill(proc.pid, signal.SIGKILL))
    assert _finish(proc) == -signal.SIGKILL
    world.ec.after_mutation(None)
    [run] = _recover_and_check(world, capsys, path=PROD)
    [action] = run["actions"]
    assert (run["status"], action["status"]) == ("completed", "executed"), run
    assert [a["approver"] for a in action["approvals"]] == ["alice"]
    assert len(world.applied(PROD)) == 1
    assert TargetLocks(load_settings().state_db).try_acquire(world.ec.url + PROD, owner="next-run") is None


# --- serve, SIGTERM under load with ?wait=false ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(world: World, port: int) -> subprocess.Popen:
    proc = world.spawn("serve", "--port", str(port), "--apply", "--log-level", "warning")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail(f"serve did not start: {proc.communicate()[1][-2000:]}")


@pytest.mark.parametrize("trial", range(SERVE_TRIALS))
def test_sigterm_of_serve_loses_no_accepted_incident(world: World, capsys: pytest.CaptureFixture, trial: int,
                                                     record_property: Callable[[str, object], None]) -> None:
    rng = random.Random(SEED * 7919 + trial)
    namespaces = ["awoooi-staging", "awoooi-prod"]  # prod restarts wait for approval
    port = _free_port()
    proc = _serve(world, port)
    accepted: list[str] = []
    refused = 0
    stop_after = rng.randint(2, 12)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for i in range(24):
            if i == stop_after:
                proc.send_signal(signal.SIGTERM)
            body = {"id": f"inc-serve-{trial}-{i}",
                    "description": f"restart deployment awoooi-api in namespace {namespaces[i % 2]}"}
            try:
                r = client.post("/v1/incidents", params={"wait": "false"}, json=body)
            except httpx.TransportError:
                break  # the listener is closed: nothing was accepted
            if r.status_code == 202:
                accepted.append(r.json()["run_id"])
            else:
                assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0, r.text
                refused += 1
    assert _finish(proc, timeout=120) in (0, -signal.SIGTERM)
    assert accepted
    record_property("accepted_202", len(accepted))
    record_property("refused_503", refused)
    port = _free_port()
    proc = _serve(world, port)  # recovers at start
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 180
            while True:
                statuses = {run_id: client.get(f"/v1/runs/{run_id}").json().get("status") for run_id in accepted}
                if all(s in TERMINAL for s in statuses.values()) or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        _finish(proc)
    assert all(s in TERMINAL for s in statuses.values()), statuses
    runs = world.runs()
    record_property("resolved", sorted(statuses.values()))
    for path in (STAGING, PROD):
        executed = [a for r in runs for a in r["actions"] if a["mutating"] and a["status"] == "executed"
                    and a["args"].get("namespace") == path.split("/")[5]]
        assert len(executed) == len(world.applied(path)), "a mutation without its run, or twice"
    assert main(["audit", "verify"]) == 0, capsys.readouterr()
