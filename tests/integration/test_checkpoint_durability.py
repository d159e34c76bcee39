"""SQLite checkpoints reach the disk when something depends on them, and only then.

Covers: the checkpointer's connection commits with ``synchronous = NORMAL``; a plan-mode run that
only reads flushes no checkpoint; a dry run against kmock's emulated cluster, whose reads and
restart are claimed in the ledger, has the checkpoint file flushed (``fdatasync`` of its WAL)
after the last checkpoint before each claim and before the claim returns; a run that pauses for
approval has it flushed after its last checkpoint;
``make_durable`` with no WAL on disk does nothing and says nothing. What a power cut does is
beyond a test here: the events are observed at the system-call wrapper and at the saver.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

import openclaw.storage.sqlite as sqlite_adapter
from openclaw.models.incident import Incident
from openclaw.settings import load_settings
from openclaw.storage.sqlite import CHECKPOINT_FILE, SqliteDatabase
from openclaw.testing.kube import emulated_cluster
from openclaw.wiring import open_engine

READ_ONLY = "Show me all pods in awoooi-prod namespace"
AUTO_RESTART = "restart deployment awoooi-api in awoooi-staging"
PROD_RESTART = "restart deployment awoooi-api in namespace awoooi-prod"


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``sync:<file>`` for every flush the adapter makes (then the real one runs)."""
    seen: list[str] = []
    real = sqlite_adapter._sync

    def recording(fd: int) -> None:
        seen.append(f"sync:{Path(os.readlink(f'/proc/self/fd/{fd}')).name}")
        real(fd)

    monkeypatch.setattr(sqlite_adapter, "_sync", recording)
    return seen


async def _run(settings: Any, text: str, events: list[str]) -> dict[str, Any]:
    async with open_engine(settings) as engine:
        saver = engine.graph.checkpointer
        real_put, real_claim = saver.aput, engine.storage.ledger.claim

        async def put(*args: Any, **kwargs: Any) -> Any:
            done = await real_put(*args, **kwargs)
            events.append("put")
            return done

        def claim(*args: Any, **kwargs: Any) -> Any:
            events.append("claim")
            done = real_claim(*args, **kwargs)
            events.append("claimed")
            return done

        saver.aput = put
        engine.storage.ledger.claim = claim
        return await engine.run(Incident(id=f"INC-{abs(hash(text))}", description=text, namespace=None))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads file names from /proc")
def test_a_run_that_only_reads_flushes_no_checkpoint(settings, events):
    result = asyncio.run(_run(settings, READ_ONLY, events))
    assert result["status"] == "completed"
    assert "put" in events and "claim" not in events
    assert f"sync:{CHECKPOINT_FILE}-wal" not in events


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads file names from /proc")
def test_every_claim_follows_a_flush_of_the_checkpoints_before_it(tmp_path, monkeypatch, events):
    with emulated_cluster(tmp_path) as cluster:
        monkeypatch.setenv("KUBECONFIG", str(cluster.kubeconfig_path))
        result = asyncio.run(_run(load_settings(), AUTO_RESTART, events))
    assert result["status"] == "completed"
    assert [a["status"] for a in result["actions"] if a.get("mutating")] == ["dry_run"]
    claims = [i for i, e in enumerate(events) if e == "claim"]
    assert claims
    for start in claims:
        end = events.index("claimed", start)
        last_put = max(i for i, e in enumerate(events[:start]) if e == "put")
        assert "put" not in events[last_put + 1:end]
        assert f"sync:{CHECKPOINT_FILE}-wal" in events[start:end], events


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads file names from /proc")
def test_a_pause_flushes_the_checkpoint_it_paused_in(settings, events):
    result = asyncio.run(_run(settings, PROD_RESTART, events))
    assert result["status"] == "awaiting_approval"
    last_put = max(i for i, e in enumerate(events) if e == "put")
    assert f"sync:{CHECKPOINT_FILE}-wal" in events[last_put + 1:], events


def test_the_checkpointer_commits_without_waiting_for_the_disk(tmp_path):
    async def synchronous() -> int:
        async with SqliteDatabase(tmp_path).checkpointer() as saver:
            async with saver.conn.execute("PRAGMA synchronous") as cursor:
                return (await cursor.fetchone())[0]

    assert asyncio.run(synchronous()) == 1  # NORMAL


def test_make_durable_without_a_wal_does_nothing(tmp_path, events):
    SqliteDatabase(tmp_path).make_durable()
    assert events == []
