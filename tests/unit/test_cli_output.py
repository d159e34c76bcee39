"""`-o json|yaml` on the commands that print objects, with `--json` still working.

Covers: `runs list` and `runs show` print the same objects as JSON (one per line, as
`--json`) and as YAML; `approvers list -o json|yaml` and `policy check -o json|yaml` print
one object naming the config dir they read (and its source), exit codes unchanged (2 for
a policy problem); an unknown format is a usage error.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from openclaw.cli.main import main

RESTART = Path(__file__).resolve().parents[2] / "examples" / "restart-api.json"


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_runs_list_and_show_as_json_and_yaml(capsys):
    assert cli(capsys, "run", str(RESTART), "--json")[0] == 0
    _, legacy, _ = cli(capsys, "runs", "list", "--json")
    _, as_json, _ = cli(capsys, "runs", "list", "-o", "json")
    _, as_yaml, _ = cli(capsys, "runs", "list", "-o", "yaml")
    rows = [json.loads(line) for line in legacy.splitlines()]
    assert [json.loads(line) for line in as_json.splitlines()] == rows == yaml.safe_load(as_yaml)
    run_id = rows[0]["run_id"]
    _, shown, _ = cli(capsys, "runs", "show", run_id, "--json")
    _, shown_yaml, _ = cli(capsys, "runs", "show", run_id, "--output", "yaml")
    assert json.loads(shown) == yaml.safe_load(shown_yaml) and json.loads(shown)["run_id"] == run_id
    assert json.loads(cli(capsys, "runs", "show", run_id, "-o", "json")[1]) == json.loads(shown)


def test_approvers_list_and_policy_check_name_the_config_dir(tmp_path, capsys):
    cfg = tmp_path / "cfg"
    assert cli(capsys, "keys", "generate", "alice", "--out", str(tmp_path / "k"))[0] == 0
    assert cli(capsys, "approvers", "add", "alice", "--public-key", str(tmp_path / "k" / "alice.pub"),
               "--group", "sre", "--config-dir", str(cfg))[0] == 2  # no such dir yet
    cfg.mkdir()
    assert cli(capsys, "approvers", "add", "alice", "--public-key", str(tmp_path / "k" / "alice.pub"),
               "--group", "sre", "--config-dir", str(cfg))[0] == 0
    code, out, err = cli(capsys, "approvers", "list", "--config-dir", str(cfg), "-o", "yaml")
    data = yaml.safe_load(out)
    assert code == 0 and err == ""
    assert data["config_dir"] == str(cfg) and data["config_source"] == "--config-dir"
    assert [(a["name"], a["groups"]) for a in data["approvers"]] == [("alice", ["sre"])]
    assert data["approvers"][0]["fingerprint"].startswith("SHA256:")

    code, out, _ = cli(capsys, "policy", "check", "-o", "json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["config_source"] == "shipped"
    assert any("policy version" in line for line in report["info"])

    (cfg / "trust.yaml").write_text("version: [\n")
    code, out, err = cli(capsys, "policy", "check", "--config-dir", str(cfg), "-o", "yaml")
    report = yaml.safe_load(out)
    assert code == 2 and report["ok"] is False and report["problems"] and report["config_dir"] == str(cfg)


def test_an_unknown_output_format_is_a_usage_error(capsys):
    code, _, err = cli(capsys, "runs", "list", "-o", "wide")
    assert code == 2 and "invalid choice" in err
