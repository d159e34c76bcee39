"""``RunStore.pending_approvals()``: the count behind the ``openclaw_approvals_pending`` gauge, in one query.

Covers: only actions with verdict ``approval`` and status ``awaiting_approval`` count, and
only in runs whose status is ``awaiting_approval`` (an ``auto`` action of a paused run, a
decided action, a finished run and a refused input's record do not); an empty store is 0;
a thousand paused runs are counted exactly (no scan limit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openclaw.storage.sqlite.runs import RunStore


def _action(index: int, verdict: str, status: str) -> dict[str, Any]:
    return {"index": index, "name": "restart_deployment", "args": {}, "verdict": verdict, "status": status}


def _run(run_id: str, status: str, *actions: dict[str, Any]) -> dict[str, Any]:
    return {"run_id": run_id, "incident_id": f"inc-{run_id}", "status": status, "actions": list(actions)}


def test_counts_only_waiting_approval_actions_of_paused_runs(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "openclaw.db")
    try:
        assert store.pending_approvals() == 0
        store.save(_run("run-a", "awaiting_approval", _action(0, "approval", "awaiting_approval"),
                        _action(1, "auto", "awaiting_approval"), _action(2, "approval", "awaiting_approval")))
        store.save(_run("run-b", "awaiting_approval", _action(0, "approval", "rejected"),
                        _action(1, "approval", "awaiting_approval")))
        store.save(_run("run-c", "completed", _action(0, "approval", "awaiting_approval")))  # stale, not paused
        store.save(_run("run-d", "failed"))  # a refused input: no actions at all
        store.save(_run("run-e", "awaiting_approval", _action(0, "deny", "denied")))
        assert store.pending_approvals() == 3
        store.save(_run("run-a", "completed", _action(0, "approval", "planned"), _action(1, "auto", "planned"),
                        _action(2, "approval", "planned")))  # resumed and finished
        assert store.pending_approvals() == 1
    finally:
        store.close()


def test_many_paused_runs_are_counted_exactly(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "openclaw.db")
    try:
        for i in range(1000):
            store.save(_run(f"run-{i}", "awaiting_approval", _action(0, "approval", "awaiting_approval"),
                            _action(1, "approval", "awaiting_approval")))
        assert store.pending_approvals() == 2000
    finally:
        store.close()
