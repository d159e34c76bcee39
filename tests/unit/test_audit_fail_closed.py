"""The audit log fails closed: no audit log is not an intact one, and a broken chain stops mutations.

Covers: ``openclaw audit verify`` on a missing file, a 0-byte file, a file that is not
SQLite and a database without the audit table says "no audit log at PATH" and exits 1
(creating nothing); intact → 0, tampered → 1. ``AuditLog.check``: intact is ``()``; the
first check of a new object finds an entry edited before it; later checks verify what was
appended since (by another object, as another process would) and find an edit of the entry
verified last or of a newer one (an edit further back waits for the next object's first
check); a chain found broken stays broken and nothing more is
appended to it. ``openclaw run`` with an edited entry in the log: a restart is denied with
a reason that names the broken entry and ``openclaw audit verify``, a read still runs
(planned), and the run appends nothing to the chain.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from openclaw.cli.main import main
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.testing.approvers import config_with_approvers

RESTART = "The API is not responding, please restart the awoooi-api deployment"
READ = "Show me all pods in awoooi-prod namespace"


def tamper(db: Path, statement: str) -> None:
    """What someone with write access to the file does: drop the guards and edit."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    conn.execute(statement)
    conn.close()


def count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    finally:
        conn.close()


def fill(log: AuditLog, n: int) -> None:
    for i in range(n):
        log.append("verdict", f"run-{i}", {"i": i})


def verify(capsys: pytest.CaptureFixture[str], db: Path) -> tuple[int, str]:
    code = main(["audit", "verify", "--db", str(db)])
    return code, capsys.readouterr().out


# --- audit verify --------------------------------------------------------------------------------


def test_verify_without_an_audit_log_says_so_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.db"
    code, out = verify(capsys, missing)
    assert code == 1 and out == f"no audit log at {missing}: there is no state database there (check OPENCLAW_HOME or --db)\n"
    assert not missing.exists()

    empty = tmp_path / "empty.db"
    empty.touch()
    code, out = verify(capsys, empty)
    assert code == 1 and out.startswith(f"no audit log at {empty}: the file is empty")
    assert empty.stat().st_size == 0

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite at all" * 100)
    code, out = verify(capsys, garbage)
    assert code == 1 and out.startswith(f"no audit log at {garbage}: it cannot be read as an SQLite database")

    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE something (x INTEGER)")
    conn.commit()
    conn.close()
    code, out = verify(capsys, other)
    assert code == 1 and out.startswith(f"no audit log at {other}: the database has no audit_log table")
    conn = sqlite3.connect(other)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["something"]
    conn.close()


def test_verify_intact_then_tampered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "state.db"
    fill(AuditLog(db), 3)
    assert verify(capsys, db) == (0, "audit log intact: 3 entries\n")
    tamper(db, "UPDATE audit_log SET payload = '{\"i\":7}' WHERE seq = 2")
    code, out = verify(capsys, db)
    assert code == 1 and "entry 2 (verdict): content does not match its hash" in out


# --- AuditLog.check --------------------------------------------------------------------------------


def test_check_is_empty_while_intact_and_follows_appends_by_others(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    engine_log, other_process = AuditLog(db), AuditLog(db)
    assert engine_log.check() == () and engine_log.refusal() is None  # empty chain
    fill(engine_log, 3)
    fill(other_process, 2)
    assert engine_log.check() == ()
    engine_log.append("verdict", None, {"mine": True})
    assert engine_log.check() == () and count(db) == 6


def test_a_new_check_finds_an_entry_edited_before_it(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    fill(AuditLog(db), 4)
    tamper(db, "UPDATE audit_log SET payload = '{\"i\":99}' WHERE seq = 1")
    log = AuditLog(db)
    problems = log.check()
    assert problems and "entry 1 (verdict)" in problems[0]
    refusal = log.refusal()
    assert refusal is not None and "entry 1 (verdict)" in refusal and "openclaw audit verify" in refusal


@pytest.mark.parametrize(("others", "edited", "needle"), [
    (0, 5, "entry 5 (verdict)"),  # the entry verified last, nothing appended since
    (2, 3, "entry 3"),  # the entry verified last, others appended since
    (2, 5, "entry 5 (verdict)"),  # an entry appended since
])
def test_later_checks_find_edits_of_the_last_verified_or_newer_entries(tmp_path: Path, edited: int, needle: str,
                                                                        others: int) -> None:
    db = tmp_path / "state.db"
    log = AuditLog(db)
    fill(log, 3 if others else 5)
    assert log.check() == ()  # verified up to entry 3 (others append 4 and 5) or 5
    fill(AuditLog(db), others)
    tamper(db, f"UPDATE audit_log SET payload = '{{\"i\":42}}' WHERE seq = {edited}")
    problems = log.check()
    assert problems and needle in problems[0]


def test_an_edit_behind_the_last_verified_entry_waits_for_the_next_engine(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    log = AuditLog(db)
    fill(log, 3)
    assert log.check() == ()
    tamper(db, "UPDATE audit_log SET payload = '{\"i\":42}' WHERE seq = 1")
    assert log.check() == ()  # the documented cost model: entry 1 was verified and is not read again
    assert "entry 1 (verdict)" in AuditLog(db).check()[0]


def test_a_broken_chain_stays_broken_and_gets_no_more_entries(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    fill(AuditLog(db), 3)
    tamper(db, "DELETE FROM audit_log WHERE seq = 2")
    log = AuditLog(db)
    assert "entry 2 removed" in log.check()[0]
    before = count(db)
    assert log.append_many([("verdict", "run-x", {"after": "break"})]) == []
    assert count(db) == before
    assert log.check()  # still broken, without reading the file again


# --- openclaw run against a broken log --------------------------------------------------------------


def run_incident(tmp_path: Path, capsys: pytest.CaptureFixture[str], description: str, name: str) -> dict:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"id": name, "description": description}))
    assert main(["run", str(path), "--json"]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_run_denies_mutations_while_the_chain_is_broken_and_still_reads(
    tmp_path: Path, clean_environ: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run_incident(tmp_path, capsys, READ, "inc-before")
    assert first["actions"] and first["actions"][0]["status"] == "planned"
    db = clean_environ / "openclaw.db"
    assert count(db) > 0
    tamper(db, "UPDATE audit_log SET kind = 'nothing-to-see' WHERE seq = 1")
    entries = count(db)

    restart = run_incident(tmp_path, capsys, RESTART, "inc-restart")
    assert restart["status"] == "denied"
    [action] = [a for a in restart["actions"] if a["mutating"]]
    assert action["name"] == "restart_deployment" and action["verdict"] == "deny" and action["status"] == "denied"
    [reason] = action["reasons"]
    assert reason.startswith("the audit log is broken: entry 1 (nothing-to-see)")
    assert "openclaw audit verify" in reason and str(db) in reason

    read = run_incident(tmp_path, capsys, READ, "inc-read")
    assert read["status"] == "completed"
    assert [(a["name"], a["verdict"], a["status"]) for a in read["actions"]] == [("kubectl_get", "auto", "planned")]
    assert count(db) == entries  # nothing appended to the broken chain


def test_a_mutation_approved_after_the_chain_broke_is_not_carried_out(
    tmp_path: Path, clean_environ: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir, keys = config_with_approvers(tmp_path, {"alice": ["sre"]},
                                             tiers={"standard": "1 from group sre", "high": "1 from group sre"})
    path = tmp_path / "restart.json"
    path.write_text(json.dumps({"id": "inc-wait", "description": RESTART}))
    assert main(["run", str(path), "--json", "--config-dir", str(config_dir)]) == 0
    waiting = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert waiting["status"] == "awaiting_approval"
    db = clean_environ / "openclaw.db"
    tamper(db, "UPDATE audit_log SET payload = '{}' WHERE seq = 1")
    entries = count(db)

    main(["approve", waiting["run_id"], "--key", str(keys["alice"]), "--config-dir", str(config_dir)])
    capsys.readouterr()
    assert main(["runs", "show", waiting["run_id"], "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    [restart] = [a for a in run["actions"] if a["name"] == "restart_deployment"]
    assert restart["status"] == "failed" and restart["result"]["error"].startswith("not run: the audit log is broken")
    assert count(db) == entries
