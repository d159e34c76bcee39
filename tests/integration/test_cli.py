"""The command line: exit codes, one-line errors, JSON lines, records of bad input, persistence.

Covers: `run` success (0) with a timeline and with --json (one object per line, contract fields);
awaiting approval is success (0); a missing file (2, one line, no traceback); invalid JSON and an
invalid incident (2, recorded as failed runs with the raw input); a list with a bad item; unknown
commands and flags (2); `runs list/show` in text and JSON; `runs show` of an unknown id (2); a
new process sees a run awaiting approval (persistence across processes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from openclaw.cli.main import main
from openclaw.storage.sqlite.runs import RunStore
from openclaw.settings import load_settings

HANG_S = 600
"""Subprocess timeout: a guard against a hung process, not a speed requirement (machines are shared)."""
CONTRACT = {"run_id", "incident_id", "status", "intent", "complexity", "route", "attempts", "decision", "actions"}
ACTION_FIELDS = {"index", "name", "args", "mutating", "verdict", "risk", "reasons", "approvals_required",
                 "approvals", "digest", "status", "result"}


def _write(tmp_path: Path, name: str, content) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_run_json_prints_one_contract_object_per_incident(tmp_path, capsys):
    path = _write(tmp_path, "i.json", [{"id": "A-1", "description": "Show me all pods in awoooi-prod namespace"},
                                       {"id": "A-2", "description": "restart the awoooi-api deployment"}])
    assert main(["run", path, "--json"]) == 0
    results = _json_lines(capsys.readouterr().out)
    assert [r["incident_id"] for r in results] == ["A-1", "A-2"]
    for r in results:
        assert CONTRACT <= set(r)
        assert ACTION_FIELDS <= set(r["actions"][0])
    assert [r["status"] for r in results] == ["completed", "awaiting_approval"]


def test_run_prints_a_timeline(tmp_path, capsys):
    path = _write(tmp_path, "i.json", {"description": "The API is not responding, please restart the awoooi-api deployment"})
    assert main(["run", path]) == 0
    out = capsys.readouterr().out
    for fragment in ("classify_intent", "analyze_complexity", "decide", "restart_deployment", "awaiting_approval",
                     "openclaw approve"):
        assert fragment in out


def test_missing_file_is_one_line_exit_2(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file" in err and "Traceback" not in err


def test_invalid_json_is_recorded_and_exit_2(tmp_path, capsys):
    path = _write(tmp_path, "bad.json", '{"description": "restart api",')
    assert main(["run", path, "--json"]) == 2
    captured = capsys.readouterr()
    assert "not valid JSON" in captured.err and "Traceback" not in captured.err
    [result] = _json_lines(captured.out)
    assert result["status"] == "failed" and "not valid JSON" in result["error"]
    record = RunStore(load_settings().state_db).record(result["run_id"])
    assert record["raw_input"] == '{"description": "restart api",'


def test_invalid_incident_is_recorded_with_raw_input(tmp_path, capsys):
    path = _write(tmp_path, "bad.json", {"description": "restart api", "priority": "p1"})
    assert main(["run", path, "--json"]) == 2
    captured = capsys.readouterr()
    assert "priority: unknown field" in captured.err
    [result] = _json_lines(captured.out)
    record = RunStore(load_settings().state_db).record(result["run_id"])
    assert json.loads(record["raw_input"]) == {"description": "restart api", "priority": "p1"}


def test_a_bad_item_in_a_list_does_not_stop_the_others(tmp_path, capsys):
    path = _write(tmp_path, "mixed.json", [{"description": "Show me all pods"}, {"nope": 1}])
    assert main(["run", path, "--json"]) == 2
    results = _json_lines(capsys.readouterr().out)
    assert sorted(r["status"] for r in results) == ["completed", "failed"]


@pytest.mark.parametrize("argv", [["frobnicate"], ["run"], ["run", "x.json", "--bogus"], ["runs"]])
def test_usage_errors_exit_2_with_one_line(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("openclaw: error:") and err.count("\n") == 1


def test_runs_list_and_show(tmp_path, capsys):
    path = _write(tmp_path, "i.json", {"id": "L-1", "description": "Show me all pods in awoooi-prod namespace"})
    main(["run", path, "--json"])
    run_id = _json_lines(capsys.readouterr().out)[0]["run_id"]
    assert main(["runs", "list", "--json"]) == 0
    rows = _json_lines(capsys.readouterr().out)
    assert rows[0]["run_id"] == run_id and rows[0]["status"] == "completed"
    assert main(["runs", "list"]) == 0
    assert run_id in capsys.readouterr().out
    assert main(["runs", "show", run_id, "--json"]) == 0
    assert _json_lines(capsys.readouterr().out)[0]["run_id"] == run_id
    assert main(["runs", "show", run_id]) == 0
    assert "kubectl_get" in capsys.readouterr().out


def test_runs_show_unknown_is_exit_2(capsys):
    assert main(["runs", "show", "run-nope"]) == 2
    assert "no run 'run-nope'" in capsys.readouterr().err


@pytest.mark.timeout(4 * HANG_S)
def test_a_new_process_sees_a_run_awaiting_approval(tmp_path):
    path = _write(tmp_path, "i.json", {"description": "please restart the awoooi-api deployment"})
    env = {**os.environ}
    cmd = [sys.executable, "-m", "openclaw.cli.main"]
    first = subprocess.run([*cmd, "run", path, "--json"], capture_output=True, text=True, env=env, timeout=HANG_S)
    assert first.returncode == 0, first.stderr
    run_id = json.loads(first.stdout)["run_id"]
    second = subprocess.run([*cmd, "runs", "show", run_id, "--json"], capture_output=True, text=True, env=env,
                            timeout=HANG_S)
    assert second.returncode == 0, second.stderr
    shown = json.loads(second.stdout)
    assert shown["status"] == "awaiting_approval"
    assert shown["actions"][0]["status"] == "awaiting_approval"
    probe = (
        "import asyncio, json, sys\n"
        "from openclaw.engine import Engine\nfrom openclaw.settings import load_settings\n"
        "async def main():\n"
        "    async with Engine(load_settings()) as e:\n"
        "        print(json.dumps((await e.checkpoint(sys.argv[1]))['next']))\n"
        "asyncio.run(main())\n"
    )
    third = subprocess.run([sys.executable, "-c", probe, run_id], capture_output=True, text=True, env=env, timeout=HANG_S)
    assert third.returncode == 0, third.stderr
    assert json.loads(third.stdout) == ["approval_gate"]


def test_a_failed_run_exits_1_with_one_line(tmp_path, capsys, monkeypatch):
    from openclaw.testing.kube import emulated_cluster

    path = _write(tmp_path, "i.json", {"description": "restart deployment ghost in namespace awoooi-staging",
                                       "requested_by": "oncall"})
    with emulated_cluster(tmp_path) as cluster:
        monkeypatch.setenv("KUBECONFIG", str(cluster.kubeconfig_path))
        assert main(["run", path, "--json"]) == 1
    captured = capsys.readouterr()
    [result] = _json_lines(captured.out)
    assert result["status"] == "failed" and "404" in result["actions"][0]["result"]["error"]
    assert "Traceback" not in captured.err


@pytest.mark.timeout(2 * HANG_S)
def test_a_closed_pipe_ends_quietly(tmp_path):
    path = _write(tmp_path, "i.json", [{"description": "Show me all pods in awoooi-prod namespace"}] * 3)
    proc = subprocess.Popen([sys.executable, "-m", "openclaw.cli.main", "run", path, "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})
    assert proc.stdout.read(1) == b"{"
    proc.stdout.close()  # the reader goes away, like `| head -c 1`
    _, err = proc.communicate(timeout=HANG_S)
    assert b"internal error" not in err and b"Traceback" not in err
