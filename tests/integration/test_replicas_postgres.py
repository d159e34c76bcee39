"""Two ``openclaw serve`` replicas on one PostgreSQL database: processes on loopback, each its own OPENCLAW_HOME.

A throwaway database on ``OPENCLAW_TEST_DATABASE_URL`` (skipped when PostgreSQL does not answer, failed
with OPENCLAW_REQUIRE_SERVICES=1), upgraded with ``openclaw db upgrade``; replicas A and B run on the
embedded defaults (rules provider, plan mode: no KUBECONFIG, no vendor keys) with one approvers config.

Covers: the same incident id posted to both replicas at once (``wait=true`` and ``wait=false``) gives one
run, named in both answers (with ``wait=true`` both answers are the finished run); a run paused for approval on A and approved through B (the quorum-completing
decision posted to both at once) resumes exactly once (one ``resume``, one ``execution`` audit entry);
A SIGKILLed just before ``execute`` of a run it accepted: B takes the sweeper lease, recovers the run
(``completed``, one execution) and says so on ``/readyz``; 200 incidents over both replicas with
``wait=false`` all end settled, one run per incident id, none lost.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from openclaw.bench.serve import stop_serve
from openclaw.cli.main import main
from openclaw.settings import load_settings, shipped_config_dir
from openclaw.signoff import sign_for_run
from openclaw.storage import open_storage
from openclaw.testing.approvers import config_with_approvers
from openclaw.testing.postgres import base_url, postgres_url_or_skip, services_required, temporary_database

# Read at import: the autouse clean_environ fixture scrubs OPENCLAW_* before a test runs.
POSTGRES_BASE_URL = base_url()
REQUIRE_SERVICES = services_required()

BOUND_S = 120.0
"""A bound on every wait (startup, a run settling, recovery): never asserted as a timing."""
PROD_RESTART = "please restart the awoooi-api deployment"
STAGING_RESTART = "restart deployment awoooi-api in namespace awoooi-staging"
READ = "show me all pods in awoooi-staging"
SETTLED = {"completed", "awaiting_approval", "denied", "rejected", "expired", "failed"}
MIX = (
    "Show me all pods in awoooi-prod namespace",
    STAGING_RESTART,
    PROD_RESTART,
    "get logs of pod awoooi-api-7d9f in namespace awoooi-staging",
    "scale deployment awoooi-web to 3 replicas in namespace awoooi-staging",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Replica:
    name: str
    proc: subprocess.Popen[str]
    base: str

    def readyz(self) -> dict:
        return httpx.get(f"{self.base}/readyz", timeout=10).json()


def _env(home: Path, url: str, config_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("OPENCLAW_") and k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST")}
    env.update(OPENCLAW_HOME=str(home), OPENCLAW_DATABASE_URL=url, OPENCLAW_CONFIG_DIR=str(config_dir),
               PYTHONUNBUFFERED="1", **extra)
    return env


def _start(name: str, tmp: Path, url: str, config_dir: Path, *, crash_at: str | None = None) -> Replica:
    """``openclaw serve`` (through the crash hook's entry point when ``crash_at`` names a point)."""
    port = _free_port()
    extra = {"OPENCLAW_TEST_CRASH_AT": crash_at} if crash_at else {}
    proc = subprocess.Popen([sys.executable, "-m", "openclaw.testing.crash", "serve", "--port", str(port),
                             "--log-level", "warning"],
                            env=_env(tmp / f"home-{name}", url, config_dir, **extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return Replica(name, proc, f"http://127.0.0.1:{port}")


def _wait_ready(replica: Replica) -> dict:
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        if replica.proc.poll() is not None:
            raise AssertionError(f"replica {replica.name} exited {replica.proc.returncode}: "
                                 f"{replica.proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        try:
            response = httpx.get(f"{replica.base}/readyz", timeout=5)
            if response.status_code == 200:
                return response.json()
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"replica {replica.name} was not ready within {BOUND_S:.0f} s")


def _stop(*replicas: Replica) -> None:
    for replica in replicas:
        if replica.proc.poll() is None:
            stop_serve(replica.proc, bound_s=BOUND_S)


def _upgrade(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENCLAW_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    monkeypatch.delenv("OPENCLAW_DATABASE_URL")


def _storage(url: str):
    return open_storage(load_settings(environ={}), url=url)


def _runs(url: str) -> list[dict]:
    storage = _storage(url)
    try:
        return storage.runs.list(limit=1_000_000)
    finally:
        storage.close()


def _audit_kinds(url: str, run_id: str) -> list[str]:
    storage = _storage(url)
    try:
        return [e.kind for e in storage.audit.entries(run_id)]
    finally:
        storage.close()


def _wait_status(url: str, run_id: str, done: set[str]) -> dict:
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        [row] = [r for r in _runs(url) if r["run_id"] == run_id]
        if row["status"] in done:
            return row
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not reach {sorted(done)} within {BOUND_S:.0f} s: {row['status']}")


@dataclass
class Pair:
    a: Replica
    b: Replica
    url: str
    keys: dict[str, Path]


@pytest.fixture(scope="module")
def postgres_base() -> str:
    return postgres_url_or_skip(POSTGRES_BASE_URL, required=REQUIRE_SERVICES)


@pytest.fixture(scope="module")
def pair(postgres_base: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Replicas A and B on one upgraded throwaway database, for the tests that do not kill one."""
    tmp = tmp_path_factory.mktemp("replicas")
    config_dir, keys = config_with_approvers(tmp, {"alice": ["sre"], "bob": ["sre"]},
                                             tiers={"standard": "2 from group sre"})
    with temporary_database(postgres_base, prefix="openclaw_replicas") as url, pytest.MonkeyPatch.context() as mp:
        _upgrade(url, mp)
        a = _start("a", tmp, url, config_dir)
        b = _start("b", tmp, url, config_dir)
        try:
            for replica in (a, b):
                assert _wait_ready(replica)["checks"]["database"] == "postgresql"
            yield Pair(a, b, url, keys)
        finally:
            _stop(a, b)
    for replica in (a, b):  # a clean stop: uvicorn re-raises the SIGTERM it handled once it has shut down
        assert replica.proc.returncode in (0, -signal.SIGTERM), replica.proc.returncode


async def _post_both(pair: Pair, body: dict, *, wait: bool) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=pair.a.base, timeout=BOUND_S) as one, \
            httpx.AsyncClient(base_url=pair.b.base, timeout=BOUND_S) as two:
        params = {"wait": "true" if wait else "false"}
        return list(await asyncio.gather(one.post("/v1/incidents", params=params, json=body),
                                         two.post("/v1/incidents", params=params, json=body)))


@pytest.mark.parametrize("wait", [True, False], ids=["wait", "nowait"])
def test_one_incident_id_posted_to_both_replicas_at_once_is_one_run(pair: Pair, wait: bool) -> None:
    incident_id = f"inc-twice-{'wait' if wait else 'nowait'}"
    answers = asyncio.run(_post_both(pair, {"id": incident_id, "description": READ}, wait=wait))
    assert {r.status_code for r in answers} <= ({200} if wait else {200, 202}), [r.text for r in answers]
    run_ids = {r.json()["run_id"] for r in answers}
    assert len(run_ids) == 1, run_ids
    if wait:  # both waited for the run, also the replica that found it driven by the other
        assert [r.json()["status"] for r in answers] == ["completed", "completed"], [r.json() for r in answers]
    rows = [r for r in _runs(pair.url) if r["incident_id"] == incident_id]
    assert [r["run_id"] for r in rows] == list(run_ids)
    assert _wait_status(pair.url, rows[0]["run_id"], SETTLED)["status"] == "completed"


def test_a_run_paused_on_a_and_approved_through_b_resumes_once(pair: Pair) -> None:
    paused = httpx.post(f"{pair.a.base}/v1/incidents", json={"id": "inc-approve-across", "description": PROD_RESTART,
                                                            "source": "chat", "requested_by": "carol"},
                        timeout=BOUND_S).json()
    assert paused["status"] == "awaiting_approval", paused
    assert paused["actions"][0]["approvals_required"] == 2
    run_id = paused["run_id"]
    [first] = sign_for_run(paused, pair.keys["alice"], kind="approve", approver="alice")
    [second] = sign_for_run(paused, pair.keys["bob"], kind="approve", approver="bob")

    answer = httpx.post(f"{pair.b.base}/v1/runs/{run_id}/approvals", content=first.model_dump_json(),
                        headers={"content-type": "application/json"}, timeout=BOUND_S)
    assert answer.status_code == 200, answer.text
    assert httpx.get(f"{pair.a.base}/v1/runs/{run_id}", timeout=10).json()["status"] == "awaiting_approval"

    async def quorum_on_both() -> list[httpx.Response]:  # the decision that completes the quorum, to both at once
        async with httpx.AsyncClient(timeout=BOUND_S, headers={"content-type": "application/json"}) as client:
            return list(await asyncio.gather(
                *(client.post(f"{r.base}/v1/runs/{run_id}/approvals", content=second.model_dump_json())
                  for r in (pair.b, pair.a))))

    answers = asyncio.run(quorum_on_both())
    # one replica counts bob's approval (and resumes the run); the other, if it came second, refuses the repeat:
    # bob already counted, or the action already final
    assert [r.status_code for r in answers].count(200) >= 1, [r.text for r in answers]
    for refused in (r for r in answers if r.status_code != 200):
        error = refused.json()["error"]
        assert "already counted" in error or "already final" in error, (refused.status_code, refused.text)
    assert _wait_status(pair.url, run_id, SETTLED - {"awaiting_approval"})["status"] == "completed"
    done = httpx.get(f"{pair.b.base}/v1/runs/{run_id}", timeout=10).json()
    assert sorted(a["approver"] for a in done["actions"][0]["approvals"]) == ["alice", "bob"]
    kinds = _audit_kinds(pair.url, run_id)
    assert kinds.count("resume") == 1, kinds
    assert kinds.count("execution") == 1, kinds
    assert kinds.count("approval") == 2, kinds
    for replica in (pair.a, pair.b):  # both replicas read the same record
        assert httpx.get(f"{replica.base}/v1/runs/{run_id}", timeout=10).json()["status"] == "completed"


def test_two_hundred_incidents_over_both_replicas_none_lost_none_duplicated(pair: Pair) -> None:
    total, concurrency = 200, 8
    replicas = (pair.a, pair.b)

    async def drive() -> Counter[int]:
        codes: Counter[int] = Counter()
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(total):
            queue.put_nowait(i)
        async with httpx.AsyncClient(timeout=BOUND_S) as client:
            async def worker() -> None:
                while not queue.empty():
                    i = queue.get_nowait()
                    body = {"id": f"storm-{i}", "description": MIX[i % len(MIX)]}
                    response = await client.post(f"{replicas[i % 2].base}/v1/incidents", params={"wait": "false"},
                                                 json=body)
                    codes[response.status_code] += 1

            await asyncio.gather(*(worker() for _ in range(concurrency)))
        return codes

    codes = asyncio.run(drive())
    assert codes == Counter({202: total}), codes
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        rows = [r for r in _runs(pair.url) if (r["incident_id"] or "").startswith("storm-")]
        if len(rows) == total and not any(r["status"] == "running" for r in rows):
            break
        time.sleep(0.5)
    ids = Counter(r["incident_id"] for r in rows)
    assert len(rows) == total and len(ids) == total, [i for i, n in ids.items() if n > 1]
    assert set(ids) == {f"storm-{i}" for i in range(total)}
    assert {r["status"] for r in rows} <= SETTLED, Counter(r["status"] for r in rows)  # none left running
    by_kind: dict[str, Counter[str]] = {}
    for r in rows:
        by_kind.setdefault(MIX[int(r["incident_id"].removeprefix("storm-")) % len(MIX)], Counter())[r["status"]] += 1
    # what the rules give: reads complete, production restarts wait for approval (repeated restarts of one
    # deployment in staging may be held back by anti-flapping, so they are not counted here)
    assert by_kind[MIX[0]] == Counter({"completed": total // len(MIX)}), by_kind
    assert by_kind[MIX[3]] == Counter({"completed": total // len(MIX)}), by_kind
    assert by_kind[PROD_RESTART] == Counter({"awaiting_approval": total // len(MIX)}), by_kind


def test_a_replica_killed_mid_run_is_recovered_by_the_other(postgres_base: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    config_dir = shipped_config_dir()
    with temporary_database(postgres_base, prefix="openclaw_replicas") as url:
        _upgrade(url, monkeypatch)
        a = _start("a", tmp_path, url, config_dir, crash_at="before:execute")
        try:
            assert _wait_ready(a)["checks"]["sweeper"] == "this replica"  # the first replica holds the lease
            b = _start("b", tmp_path, url, config_dir)
            try:
                assert _wait_ready(b)["checks"]["sweeper"] == "another replica"
                accepted = httpx.post(f"{a.base}/v1/incidents", params={"wait": "false"},
                                      json={"id": "inc-orphan", "description": STAGING_RESTART}, timeout=BOUND_S)
                assert accepted.status_code == 202, accepted.text
                run_id = accepted.json()["run_id"]
                assert a.proc.wait(timeout=BOUND_S) == -9  # killed as execute started: its run is left running
                done = _wait_status(url, run_id, SETTLED)
                assert done["status"] == "completed", done
                assert _audit_kinds(url, run_id).count("execution") == 1
                deadline = time.monotonic() + BOUND_S
                while b.readyz()["checks"]["sweeper"] != "this replica" and time.monotonic() < deadline:
                    time.sleep(0.2)
                assert b.readyz()["checks"]["sweeper"] == "this replica"
                rows = _runs(url)
                assert [r["run_id"] for r in rows] == [run_id]
            finally:
                _stop(b)
            assert b.proc.returncode in (0, -signal.SIGTERM)
        finally:
            _stop(a)
