"""`openclaw policy check|test`, fail-closed runs with a broken policy, and approve/reject usage errors.

Covers: `policy check` on the shipped configs (exit 0, warns that nobody can approve yet);
an invalid trust.yaml, a tier quorum larger than its eligible approvers, a quorum of 0 and
an undefined tier whose count exceeds the registered people: exit 2, one stderr line per
problem naming the file; `policy test` passes the shipped tables (0), reports a failing
case (1) and refuses an invalid table (2); with trust.yaml invalid or missing, `openclaw
run` still runs and records, and every action, reads included, is denied naming the
problem; `approve` on a fresh install explains how to register approvers (exit 2, one
line); an unknown run and `reject` without --reason exit 2.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from openclaw.approvals.approvers import add_approver
from openclaw.approvals.keys import generate_keypair
from openclaw.cli.main import main
from openclaw.settings import shipped_config_dir

POLICY_DIR = Path(__file__).resolve().parents[1] / "policy"


@pytest.fixture
def cfg(tmp_path) -> Path:
    target = tmp_path / "configs"
    shutil.copytree(shipped_config_dir(), target)
    return target


def _approvers(cfg: Path, tmp_path: Path, people: dict[str, list[str]], tiers: dict) -> dict[str, Path]:
    keys = {}
    for name, groups in people.items():
        pair = generate_keypair(name, tmp_path / "keys")
        add_approver(cfg / "approvers.yaml", name, pair.public_key, groups)
        keys[name] = pair.private_path
    data = yaml.safe_load((cfg / "approvers.yaml").read_text())
    data["tiers"] = tiers
    (cfg / "approvers.yaml").write_text(yaml.safe_dump(data))
    return keys


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("openclaw: error:")]


def test_policy_check_passes_the_shipped_configs(cfg, capsys):
    assert main(["policy", "check", "--config-dir", str(cfg)]) == 0
    out, err = capsys.readouterr()
    assert "policy version 2026-11-21.3" in out and "policy ok" in out
    assert "no approvers registered" in err and not _errors(err)


def test_policy_check_reports_an_invalid_trust_yaml(cfg, capsys):
    (cfg / "trust.yaml").write_text("version: '3'\nnamespaces: {production: [Prod]}\nrisk: {approval_at: 2}\n")
    assert main(["policy", "check", "--config-dir", str(cfg)]) == 2
    [error] = _errors(capsys.readouterr().err)
    assert "trust.yaml" in error and "Prod" in error and "approval_at" in error


def test_policy_check_reports_every_quorum_problem_on_its_own_line(cfg, tmp_path, capsys):
    _approvers(cfg, tmp_path, {"alice": ["sre"], "bob": []}, {"standard": "2 from group sre", "high": 0})
    assert main(["policy", "check", "--config-dir", str(cfg)]) == 2
    errors = _errors(capsys.readouterr().err)
    assert len(errors) == 2
    assert any("'standard'" in e and "larger than the 1 eligible" in e for e in errors)
    assert any("'high'" in e and "quorum 0" in e for e in errors)


def test_policy_check_reports_an_undefined_tier_that_cannot_be_met(cfg, tmp_path, capsys):
    _approvers(cfg, tmp_path, {"alice": ["sre"]}, {})
    assert main(["policy", "check", "--config-dir", str(cfg)]) == 2
    [error] = _errors(capsys.readouterr().err)
    assert "scale_to_zero needs 2" in error and "only 1 approver" in error


def test_policy_test_runs_tables(cfg, tmp_path, capsys):
    tables = [str(p) for p in sorted(POLICY_DIR.glob("*.yaml"))]
    assert main(["policy", "test", *tables, "--config-dir", str(cfg)]) == 0
    assert "FAIL" not in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases:\n  - name: restart in prod runs alone\n"
                   "    action: {name: restart_deployment, args: {deployment: a, namespace: awoooi-prod}}\n"
                   "    expect: {verdict: auto}\n")
    assert main(["policy", "test", str(bad), "--config-dir", str(cfg)]) == 1
    assert "FAIL  restart in prod runs alone: verdict approval, expected auto" in capsys.readouterr().out
    bad.write_text("cases: []\n")
    assert main(["policy", "test", str(bad), "--config-dir", str(cfg)]) == 2


@pytest.mark.parametrize("breakage", ["invalid", "missing"])
def test_a_broken_policy_denies_every_action_but_the_run_is_recorded(cfg, tmp_path, capsys, breakage):
    if breakage == "missing":
        (cfg / "trust.yaml").unlink()
    else:
        (cfg / "trust.yaml").write_text("version: '9'\nallow_everything: true\n")
    incidents = tmp_path / "i.json"
    incidents.write_text(json.dumps([{"description": "Show me all pods in awoooi-prod namespace"},
                                     {"description": "restart deployment awoooi-api in namespace awoooi-staging"}]))
    assert main(["run", str(incidents), "--json", "--config-dir", str(cfg)]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in results] == ["denied", "denied"]
    for r in results:
        [action] = r["actions"]
        assert (action["verdict"], action["status"], action["result"]) == ("deny", "denied", None)
        assert action["policy_version"] == "unavailable"
        assert "policy unavailable" in action["reasons"][0]
        assert ("allow_everything" if breakage == "invalid" else "file not found") in action["reasons"][0]


def _waiting_run(cfg: Path, tmp_path: Path, capsys) -> str:
    incident = tmp_path / "i.json"
    incident.write_text(json.dumps({"description": "please restart the awoooi-api deployment"}))
    assert main(["run", str(incident), "--json", "--config-dir", str(cfg)]) == 0
    [result] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert result["status"] == "awaiting_approval"
    return result["run_id"]


def test_approve_on_a_fresh_install_explains_how_to_register(cfg, tmp_path, capsys):
    run_id = _waiting_run(cfg, tmp_path, capsys)
    key = generate_keypair("alice", tmp_path / "keys").private_path
    assert main(["approve", run_id, "--key", str(key), "--config-dir", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no approvers are registered" in err and "openclaw approvers add" in err


def test_usage_errors_exit_2(cfg, tmp_path, capsys):
    keys = _approvers(cfg, tmp_path, {"alice": ["sre"]}, {})
    assert main(["approve", "run-nope", "--key", str(keys["alice"]), "--config-dir", str(cfg)]) == 2
    assert "no run 'run-nope'" in capsys.readouterr().err
    assert main(["reject", "run-nope", "--key", str(keys["alice"]), "--config-dir", str(cfg)]) == 2
    assert "--reason" in capsys.readouterr().err


def test_policy_test_config_dir_wins_over_the_tables_own_policy(cfg, tmp_path, capsys):
    """A table with `policy:` tested with --config-dir NEW tests NEW's trust.yaml, and says so."""
    table = tmp_path / "t" / "prod.yaml"
    table.parent.mkdir()
    shutil.copy(cfg / "trust.yaml", tmp_path / "t" / "own.yaml")
    table.write_text("policy: own.yaml\ncases:\n  - name: restart in prod needs approval\n"
                     "    action: {name: restart_deployment, args: {deployment: a, namespace: awoooi-prod}}\n"
                     "    expect: {verdict: approval}\n")
    trust = yaml.safe_load((cfg / "trust.yaml").read_text())
    trust["version"] = "what-if-1"
    trust["namespaces"]["production"] = []  # awoooi-prod is no longer production: the case must now fail
    (cfg / "trust.yaml").write_text(yaml.safe_dump(trust))

    code = main(["policy", "test", str(table)])
    out = capsys.readouterr().out
    assert code == 0 and f"policy {tmp_path / 't' / 'own.yaml'} version " in out

    code = main(["policy", "test", str(table), "--config-dir", str(cfg)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert f"{table}: policy {cfg / 'trust.yaml'} version what-if-1 (--config-dir overrides the table's policy: own.yaml)" in out
    assert "0 of 1 case(s) passed" in out


def test_policy_help_is_plain_text(capsys):
    for verb in ("check", "test"):
        with pytest.raises(SystemExit):
            main(["policy", verb, "--help"])
        out = capsys.readouterr().out
        assert "``" not in out and ":mod:" not in out, out
