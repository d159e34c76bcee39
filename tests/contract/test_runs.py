"""RunRepository: the same behaviour on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from openclaw.errors import RunNotFound
from openclaw.storage.ports import Storage
from openclaw.testing.racing import race

OpenMore = Callable[[], Storage]

INCIDENT = {"id": "inc-1", "alerts": [{"id": "alert-a"}, {"id": "alert-b"}], "summary": "pods crash"}


def fresh(run_id: str, incident_id: str = "inc-1", **extra: object) -> dict:
    return {"run_id": run_id, "incident_id": incident_id, "status": "running", **extra}


def accept(storage: Storage, run_id: str, incident_id: str = "inc-1", *, owner: str = "host:1",
           rerun: bool = False):
    return storage.runs.accept(fresh(run_id, incident_id), incident={**INCIDENT, "id": incident_id},
                               raw_input="{}", owner=owner, lease_s=60, rerun=rerun, mode="plan")


def test_accept_is_one_run_per_incident_id(storage: Storage):
    first = accept(storage, "run-1")
    second = accept(storage, "run-2")

    assert first.created and first.rerun_of is None
    assert not second.created and second.run_id == "run-1"
    assert second.result == first.result == storage.runs.get("run-1")
    with pytest.raises(RunNotFound, match="no run 'run-2' in "):
        storage.runs.get("run-2")


def test_accept_race_across_replicas_makes_one_run(open_more: OpenMore):
    replicas = [open_more() for _ in range(8)]

    accepted = race(replicas, lambda i, s: accept(s, f"run-{i}", owner=f"host:{i}"))

    assert sum(a.created for a in accepted) == 1
    winner = next(a.run_id for a in accepted if a.created)
    assert {a.run_id for a in accepted} == {winner}
    assert [r["run_id"] for r in replicas[0].runs.list()] == [winner]


def test_rerun_takes_the_next_attempt_and_links_the_first(open_more: OpenMore):
    storage = open_more()
    accept(storage, "run-1")

    again = accept(storage, "run-2", rerun=True)
    replicas = [open_more() for _ in range(4)]
    racing = race(replicas, lambda i, s: accept(s, f"run-r{i}", rerun=True))

    assert again.created and again.rerun_of == "run-1" and again.result["rerun_of"] == "run-1"
    assert all(a.created and a.rerun_of == "run-1" for a in racing)
    assert len(storage.runs.list()) == 6
    assert not accept(storage, "run-9").created  # a plain accept still answers with the first run
    assert storage.runs.find_by_incident("inc-1") in {"run-2", *(f"run-r{i}" for i in range(4))}


def test_progress_keeps_created_at_and_rerun_of_and_needs_the_owner(storage: Storage):
    accept(storage, "run-1")
    rerun = accept(storage, "run-2", rerun=True)
    created = rerun.result["created_at"]

    storage.runs.progress({**fresh("run-2"), "step": 3, "created_at": "forged"}, owner="host:1", lease_s=60)
    storage.runs.progress({**fresh("run-2"), "step": 4}, owner="someone-else", lease_s=60)

    got = storage.runs.get("run-2")
    assert got["step"] == 3
    assert got["created_at"] == created and got["rerun_of"] == "run-1"
    assert got["updated_at"] >= created


def test_save_get_record_round_trip(storage: Storage):
    result = {"run_id": "run-1", "incident_id": "inc-1", "status": "completed",
              "actions": [{"index": 0, "tool": "kubectl_restart", "args": {"ns": "prod", "n": 3}}],
              "scores": {"risk": 0.1, "big": 12345678901234, "neg": -2.5, "none": None, "flag": True},
              "text": "naïve — 日本語 \"quoted\" \\ back\nslash"}
    storage.runs.save(dict(result), incident=INCIDENT, raw_input="raw text",
                      node_outputs=[("triage", {"a": 1}), ("plan", ["x", 2])],
                      config_hashes={"policy.yaml": "ab" * 32}, exchanges=[{"prompt": "p", "reply": "r"}])
    storage.runs.save(dict(result, status="completed"), node_outputs=[("report", "done")],
                      exchanges=[{"prompt": "p2"}])
    storage.runs.save_config_blobs({"policy.yaml": {"sha256": "ab" * 32, "text": "limits: 3\n"}})
    storage.runs.save_config_blobs({"policy.yaml": {"sha256": "ab" * 32, "text": "ignored: the first text stays"}})

    got = storage.runs.get("run-1")
    record = storage.runs.record("run-1")

    assert {k: v for k, v in got.items() if k not in ("created_at", "updated_at")} == result
    assert record["result"] == got
    assert record["incident"] == INCIDENT and record["raw_input"] == "raw text"
    assert record["config_hashes"] == {"policy.yaml": "ab" * 32}
    assert [(o["seq"], o["node"], o["output"]) for o in record["node_outputs"]] == [
        (0, "triage", {"a": 1}), (1, "plan", ["x", 2]), (2, "report", "done")]
    assert record["exchanges"] == [{"prompt": "p", "reply": "r"}, {"prompt": "p2"}]
    assert storage.runs.config_blobs({"policy.yaml": "ab" * 32, "gone.yaml": "cd" * 32}) == {
        "policy.yaml": {"sha256": "ab" * 32, "text": "limits: 3\n"}}
    with pytest.raises(RunNotFound):
        storage.runs.record("nope")


def test_list_unsettled_and_find(storage: Storage):
    accept(storage, "run-a", "inc-a")
    accept(storage, "run-b", "inc-b")
    accept(storage, "run-c", "inc-c")
    storage.runs.save({"run_id": "bad-1", "incident_id": "inc-a", "status": "failed", "error": "invalid input"},
                      raw_input="{not json")
    storage.runs.fail("run-b", "gave up")

    assert [r["run_id"] for r in storage.runs.list()] == ["bad-1", "run-c", "run-b", "run-a"]
    assert [r["run_id"] for r in storage.runs.list(status="failed")] == ["bad-1", "run-b"]
    assert [r["run_id"] for r in storage.runs.list(limit=2)] == ["bad-1", "run-c"]
    assert [u["run_id"] for u in storage.runs.unsettled()] == ["run-a", "run-c"]
    unsettled = storage.runs.unsettled()[0]
    assert unsettled["owner"] == "host:1" and unsettled["mode"] == "plan"
    assert unsettled["incident"]["id"] == "inc-a" and unsettled["lease_until"] > 0
    assert storage.runs.find_by_incident("inc-a") == "run-a"  # accepted runs before refused input
    assert storage.runs.find_by_incident("inc-x") is None
    assert storage.runs.find_by_alert("inc-b") == "run-b"
    assert storage.runs.find_by_alert("alert-a") == "run-c"  # grouped alert: the newest run holding it
    assert storage.runs.find_by_alert("alert-zzz") is None
    failed = storage.runs.get("run-b")
    assert failed["status"] == "failed" and failed["error"] == "gave up"
    storage.runs.mark_running("run-b")
    assert storage.runs.get("run-b")["status"] == "running"


def test_pending_approvals_and_record_approvals(storage: Storage):
    def waiting(run_id: str, actions: list[dict]) -> dict:
        return {"run_id": run_id, "incident_id": run_id, "status": "awaiting_approval", "actions": actions}

    ask = {"status": "awaiting_approval", "verdict": "approval"}
    storage.runs.save(waiting("w-1", [{"index": 0, **ask}, {"index": 1, "status": "done", "verdict": "auto"}]))
    storage.runs.save(waiting("w-2", [{"index": 0, **ask}, {"index": 1, **ask}]))
    storage.runs.save({"run_id": "c-1", "incident_id": "c", "status": "completed", "actions": [{"index": 0, **ask}]})
    storage.runs.save({"run_id": "c-2", "incident_id": "d", "status": "awaiting_approval"})

    assert storage.runs.pending_approvals() == 3

    storage.runs.record_approvals("w-2", {1: [{"person": "alice"}]})
    storage.runs.record_approvals("missing", {0: []})
    actions = storage.runs.get("w-2")["actions"]
    assert "approvals" not in actions[0] and actions[1]["approvals"] == [{"person": "alice"}]


def test_ownership_lease_and_take_over(open_more: OpenMore):
    storage = open_more()
    accept(storage, "run-1", owner="dead:1")

    assert storage.runs.owner_of("run-1")[0] == "dead:1"
    assert storage.runs.renew("run-1", owner="dead:1", lease_s=60)
    assert not storage.runs.renew("run-1", owner="other:2", lease_s=60)
    assert storage.runs.renew_all(owner="dead:1", lease_s=60) == 1
    replicas = [open_more() for _ in range(8)]
    won = race(replicas, lambda i, s: s.runs.take_over("run-1", owner=f"new:{i}", previous="dead:1", lease_s=60))

    assert won.count(True) == 1
    owner, lease = storage.runs.owner_of("run-1")
    assert owner == f"new:{won.index(True)}" and lease is not None
    storage.runs.release("run-1", owner=owner)
    assert storage.runs.owner_of("run-1") == (owner, None)
    with pytest.raises(RunNotFound):
        storage.runs.owner_of("nope")
