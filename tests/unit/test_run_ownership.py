"""Run records: one per incident id, reruns linked, owners and leases (the run store, no graph).

Covers ``RunStore.accept`` (a second accept of an id returns the first run; ``rerun`` numbers the
attempts and links them to the first; a refused input's record never collides), the owner's lease
(``renew_all`` extends only its own ``running`` runs; ``take_over`` succeeds for exactly one
caller) and :func:`openclaw.recovery.owner_alive` (this host: the pid decides; another host: the
lease, judged against an injected time) and :func:`openclaw.recovery.claim_holder_gone`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from openclaw.owners import BOOT, claim_owner, process_owner
from openclaw.recovery import claim_holder_gone, owner_alive
from openclaw.storage.sqlite.runs import RunStore


def _running(run_id: str, incident_id: str) -> dict:
    return {"run_id": run_id, "incident_id": incident_id, "status": "running", "actions": [], "attempts": []}


def _accept(store: RunStore, run_id: str, incident_id: str, *, owner: str = "h:1", rerun: bool = False):
    return store.accept(_running(run_id, incident_id), incident={"id": incident_id, "description": "x"},
                        raw_input="{}", owner=owner, lease_s=60, rerun=rerun)


def test_one_run_per_incident_id_and_reruns_are_linked(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "state.db")
    store.save({"run_id": "run-refused", "incident_id": "inc-1", "status": "failed", "error": "bad"})
    first = _accept(store, "run-a", "inc-1")
    again = _accept(store, "run-b", "inc-1")
    rerun = _accept(store, "run-c", "inc-1", rerun=True)
    rerun2 = _accept(store, "run-d", "inc-1", rerun=True)
    assert first.created and (again.created, again.run_id) == (False, "run-a")
    assert (rerun.created, rerun.rerun_of, rerun2.rerun_of) == (True, "run-a", "run-a")
    assert store.get("run-d")["rerun_of"] == "run-a" and store.find_by_incident("inc-1") in {"run-c", "run-d"}
    assert [r["run_id"] for r in store.list()].count("run-b") == 0


def test_leases_are_renewed_per_owner_and_taken_over_once(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "state.db")
    _accept(store, "run-a", "inc-a", owner="me:1")
    _accept(store, "run-b", "inc-b", owner="other:2")
    before = {r["run_id"]: r["lease_until"] for r in store.unsettled()}
    assert store.renew_all(owner="me:1", lease_s=3600) == 1
    after = {r["run_id"]: r["lease_until"] for r in store.unsettled()}
    assert after["run-a"] > before["run-a"] + 3000 and after["run-b"] == before["run-b"]
    assert store.take_over("run-b", owner="me:1", previous="other:2", lease_s=60)
    assert not store.take_over("run-b", owner="third:3", previous="other:2", lease_s=60)
    assert store.owner_of("run-b")[0] == "me:1"


def test_an_owner_is_alive_by_its_pid_here_and_by_its_lease_elsewhere() -> None:
    here = socket.gethostname()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    now = time.time()
    assert owner_alive(process_owner(), None, now=now)
    assert not owner_alive(f"{here}:{gone}:{BOOT}", now + 3600, now=now)  # this host: the pid decides, not the lease
    assert owner_alive("elsewhere:1", now + 10, now=now) and not owner_alive("elsewhere:1", now - 10, now=now)
    assert not owner_alive(None, None, now=now)
    assert claim_holder_gone(f"{here}:{gone}:abcd") and not claim_holder_gone(claim_owner())
    assert not claim_holder_gone(f"elsewhere:{gone}:abcd")  # another host's claim is never judged here


def test_this_pid_in_an_earlier_life_is_gone() -> None:
    """A restarted container keeps its hostname and its pid (1): the owners its earlier life wrote are dead."""
    here, pid = socket.gethostname(), os.getpid()
    earlier = "0" * len(BOOT) if BOOT != "0" * len(BOOT) else "1" * len(BOOT)
    assert not owner_alive(f"{here}:{pid}:{earlier}", time.time() + 3600)
    assert not owner_alive(f"{here}:{pid}", time.time() + 3600)  # written before owners had a boot
    assert claim_holder_gone(f"{here}:{pid}:{earlier}:abcd") and claim_holder_gone(f"{here}:{pid}:abcd")
    assert owner_alive(f"{here}:{pid}:{BOOT}", None)
