"""The hints the CLI prints after a run or a sign-off say what is true and what to type next.

Covers, through main() against kmock's emulator: after `run --apply` the approval hint
carries `--apply` (and `runs show` repeats it); an approval without --apply of a run
judged for apply says why the run stays paused, and `runs resume` says the same instead
of "still waiting for approval ()", then `runs resume --apply` finishes it; approving a
run judged for a dry run says the action was only dry-run; without a cluster, a planned
one says so; a what-if replay of a completed run prints no approve hint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from openclaw.cli.main import main
from openclaw.testing.approvers import config_with_approvers
from openclaw.testing.kube import EmulatedCluster, emulated_cluster

RESTART_PROD = "restart the awoooi-api deployment in namespace awoooi-prod"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    cfg, keys = config_with_approvers(tmp_path, {"alice": ["sre"]}, tiers={"standard": "1 from group sre"})
    (cfg / "executor.yaml").write_text(yaml.safe_dump(
        {"verify_timeout_s": 5, "poll_interval_s": 0.02, "max_retries": 1, "backoff_s": 0.01}))
    monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(cfg))
    return cfg, keys["alice"]


@pytest.fixture
def ec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, world) -> Iterator[EmulatedCluster]:
    with emulated_cluster(tmp_path) as running:
        monkeypatch.setenv("KUBECONFIG", str(running.kubeconfig_path))
        yield running


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _incident(tmp_path: Path, description: str = RESTART_PROD) -> str:
    path = tmp_path / "incident.json"
    path.write_text(json.dumps({"id": "INC-9", "description": description, "requested_by": "carol",
                                "source": "chat"}))
    return str(path)


def _run_id(out: str) -> str:
    return re.search(r"run (run-[0-9a-f]+)", out).group(1)


def test_the_hint_after_run_apply_carries_apply_and_resume_says_why_it_waits(ec, world, tmp_path, capsys):
    _, key = world
    code, out, err = cli(capsys, "run", _incident(tmp_path), "--apply")
    assert code == 0, err
    run_id = _run_id(out)
    assert f"openclaw approve {run_id} --key KEYFILE --action 0 --apply" in out
    assert f"--action 0 --apply" in cli(capsys, "runs", "show", run_id)[1]

    code, out, err = cli(capsys, "approve", run_id, "--key", str(key))  # forgot --apply
    assert code == 0, err
    assert "judged for apply" in out and f"openclaw runs resume {run_id} --apply" in out

    code, out, _ = cli(capsys, "runs", "resume", run_id)
    assert code == 0 and "()" not in out
    assert out == (f"{run_id}: every request is final, but action 0 was judged for apply and this process runs "
                   f"dry_run: the run stays paused; finish it with `openclaw runs resume {run_id} --apply` "
                   "(same cluster and context)\n")
    code, out, _ = cli(capsys, "runs", "resume", run_id, "--apply")
    assert code == 0 and out == f"{run_id}: resumed here: status completed\n"


def test_approving_a_dry_run_says_nothing_was_applied(ec, world, tmp_path, capsys):
    _, key = world
    code, out, _ = cli(capsys, "run", _incident(tmp_path))
    run_id = _run_id(out)
    assert "--apply" not in out
    code, out, err = cli(capsys, "approve", run_id, "--key", str(key))
    assert code == 0, err
    assert "run resumed here: status completed (action 0 dry run only: the API server accepted it with " \
           "dryRun=All and nothing changed)" in out


def test_without_a_cluster_a_planned_action_is_said_to_be_planned(world, tmp_path, capsys):
    _, key = world
    code, out, _ = cli(capsys, "run", _incident(tmp_path))
    run_id = _run_id(out)
    assert f"openclaw approve {run_id} --key KEYFILE --action 0\n" in out
    code, out, _ = cli(capsys, "approve", run_id, "--key", str(key))
    assert "status completed (action 0 planned only: no cluster is configured" in out


def test_a_what_if_replay_of_a_completed_run_prints_no_approve_hint(world, tmp_path, capsys):
    _, key = world
    run_id = _run_id(cli(capsys, "run", _incident(tmp_path))[1])
    assert cli(capsys, "approve", run_id, "--key", str(key))[0] == 0
    code, out, err = cli(capsys, "replay", run_id, "--config-dir", str(world[0]))
    assert "awaiting_approval" in out, out  # the what-if stops at the gate ...
    assert "openclaw approve" not in out and "waiting for sign-off" not in out, out  # ... but nobody can sign it
