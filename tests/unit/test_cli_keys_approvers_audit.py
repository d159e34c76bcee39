"""`openclaw keys generate`, `openclaw approvers add|list` and `openclaw audit verify` through main().

Covers: generate writes the pair and prints the fingerprint and the next command, and a
second run exits 2 with one line; a missing --out is a usage error; approvers add creates
approvers.yaml in --config-dir, prints the fingerprint and warns (stderr) about tiers not
yet satisfiable; a duplicate key, a missing .pub file and a missing config dir exit 2;
approvers list shows people, groups and tiers; keys made and registered by the CLI
verify a signed approval; audit verify says plainly that there is no audit log at a
missing path (exit 1, so a wrong OPENCLAW_HOME is noticed), reports an intact log
(exit 0, 'audit log intact: N entries') from OPENCLAW_HOME or --db, and one line per
problem with exit 1 after tampering; --config-dir given to a verb does not clobber a
value already parsed.
"""

from __future__ import annotations

import argparse
import sqlite3
from datetime import UTC, datetime

import pytest
import yaml

from openclaw.approvals.approvers import load_approvers
from openclaw.approvals.signing import sign_decision, verify_decision
from openclaw.cli import approvers as approvers_cli
from openclaw.cli.main import main
from openclaw.storage.sqlite.audit import AuditLog


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for var in ("OPENCLAW_CONFIG_DIR", "KUBECONFIG", "KUBERNETES_SERVICE_HOST"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENCLAW_HOME", str(tmp_path / "home"))


@pytest.fixture
def cfg(tmp_path):
    path = tmp_path / "configs"
    path.mkdir()
    return path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_keys_generate_prints_fingerprint_and_next_step(tmp_path, capsys):
    code, out, err = run(capsys, "keys", "generate", "alice", "--out", str(tmp_path / "k"))
    assert code == 0 and err == ""
    assert (tmp_path / "k" / "alice.key").exists() and (tmp_path / "k" / "alice.pub").exists()
    assert "fingerprint: SHA256:" in out
    assert f"openclaw approvers add alice --public-key {tmp_path / 'k' / 'alice.pub'}" in out

    code, out, err = run(capsys, "keys", "generate", "alice", "--out", str(tmp_path / "k"))
    assert code == 2 and out == ""
    assert err.startswith("openclaw: error: ") and "refusing to overwrite" in err and err.count("\n") == 1


def test_keys_generate_needs_out_and_a_good_name(tmp_path, capsys):
    code, _, err = run(capsys, "keys", "generate", "alice")
    assert code == 2 and "--out" in err
    code, _, err = run(capsys, "keys", "generate", "../x", "--out", str(tmp_path))
    assert code == 2 and "approver name" in err


def test_approvers_add_and_list(tmp_path, cfg, capsys):
    run(capsys, "keys", "generate", "alice", "--out", str(tmp_path / "k"))
    run(capsys, "keys", "generate", "bob", "--out", str(tmp_path / "k"))
    (cfg / "approvers.yaml").write_text("# approvers\nversion: 1\napprovers: []\ntiers:\n  high: 2 from group sre\n")

    code, out, err = run(
        capsys, "approvers", "add", "alice", "--public-key", str(tmp_path / "k" / "alice.pub"),
        "--group", "sre", "--group", "oncall", "--config-dir", str(cfg),
    )
    assert code == 0
    assert out.startswith("registered alice (SHA256:") and "sre, oncall" in out
    assert "warning: tier 'high': quorum 2 is larger than the 1 eligible" in err

    code, out, err = run(
        capsys, "approvers", "add", "bob", "--public-key", str(tmp_path / "k" / "bob.pub"),
        "--group", "sre", "--config-dir", str(cfg),
    )
    assert code == 0 and err == ""
    raw = yaml.safe_load((cfg / "approvers.yaml").read_text())
    assert [(a["name"], a["groups"]) for a in raw["approvers"]] == [("alice", ["sre", "oncall"]), ("bob", ["sre"])]
    assert load_approvers(cfg / "approvers.yaml").eligible_people("high") == ["alice", "bob"]

    code, out, err = run(capsys, "approvers", "list", "--config-dir", str(cfg))
    assert code == 0 and err == ""
    assert "alice\tSHA256:" in out and "\tsre,oncall" in out and "tier high: 2 from group sre" in out


def test_approvers_add_errors_exit_2_with_one_line(tmp_path, cfg, capsys):
    run(capsys, "keys", "generate", "alice", "--out", str(tmp_path / "k"))
    pub = str(tmp_path / "k" / "alice.pub")
    assert run(capsys, "approvers", "add", "alice", "--public-key", pub, "--config-dir", str(cfg))[0] == 0

    code, _, err = run(capsys, "approvers", "add", "mallory", "--public-key", pub, "--config-dir", str(cfg))
    assert code == 2 and "already registered to 'alice'" in err and err.count("\n") == 1

    code, _, err = run(capsys, "approvers", "add", "bob", "--public-key", str(tmp_path / "none.pub"), "--config-dir", str(cfg))
    assert code == 2 and "no public key at" in err

    code, _, err = run(capsys, "approvers", "add", "bob", "--public-key", pub, "--config-dir", str(tmp_path / "absent"))
    assert code == 2 and "config directory" in err


def test_approvers_list_of_an_invalid_file_exits_2(cfg, capsys):
    (cfg / "approvers.yaml").write_text("approvers: [{name: x}]\n")
    code, _, err = run(capsys, "approvers", "list", "--config-dir", str(cfg))
    assert code == 2 and str(cfg / "approvers.yaml") in err


def test_keys_made_and_registered_by_the_cli_sign_verifiable_approvals(tmp_path, cfg, capsys):
    run(capsys, "keys", "generate", "alice", "--out", str(tmp_path / "k"))
    run(capsys, "approvers", "add", "alice", "--public-key", str(tmp_path / "k" / "alice.pub"), "--config-dir", str(cfg))
    now = datetime(2030, 1, 1, tzinfo=UTC)
    decision = sign_decision(
        tmp_path / "k" / "alice.key", kind="approve", run_id="r", action_index=0, digest="c" * 64, approver="alice", now=now
    )
    approver = verify_decision(
        decision, load_approvers(cfg / "approvers.yaml"),
        expected_digest="c" * 64, run_id="r", action_index=0, requester="bob", now=now,
    )
    assert approver.name == "alice"


def test_audit_verify_without_a_database_says_so_and_fails(tmp_path, capsys):
    code, out, _ = run(capsys, "audit", "verify")
    db = tmp_path / "home" / "openclaw.db"
    assert code == 1 and out == f"no audit log at {db}: there is no state database there (check OPENCLAW_HOME or --db)\n"
    assert "intact" not in out
    assert not db.exists()
    assert run(capsys, "audit", "verify", "--db", str(tmp_path / "elsewhere.db"))[0] == 1


def test_audit_verify_intact_then_tampered(tmp_path, capsys):
    db = tmp_path / "home" / "openclaw.db"
    log = AuditLog(db)
    for i in range(3):
        log.append("approval", "run-1", {"i": i})
    assert run(capsys, "audit", "verify") == (0, "audit log intact: 3 entries\n", "")

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET payload = '{\"i\":9}' WHERE seq = 1")
    conn.execute("DELETE FROM audit_log WHERE seq = 3")
    conn.close()
    code, out, _ = run(capsys, "audit", "verify")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 2
    assert "entry 1 (approval)" in lines[0] and "edited" in lines[0]
    assert "newest entries were removed" in lines[1]


def test_audit_verify_a_given_database_file(tmp_path, capsys):
    other = tmp_path / "copy.db"
    AuditLog(other).append("verdict", None, {})
    assert run(capsys, "audit", "verify", "--db", str(other)) == (0, "audit log intact: 1 entries\n", "")


def test_a_verb_level_config_dir_does_not_clobber_an_earlier_one():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config-dir")
    approvers_cli.register(parser.add_subparsers(dest="command"))
    assert parser.parse_args(["--config-dir", "X", "approvers", "list"]).config_dir == "X"
    assert parser.parse_args(["approvers", "list", "--config-dir", "Y"]).config_dir == "Y"
