"""A failed mutation raises a send_alert: planned without a Telegram token, delivered with one.

Covers, through `openclaw run --json` with KUBECONFIG pointing at kmock's emulator: restarting a
deployment that does not exist fails clearly (a 404 named in the error, sent once, no retry),
the run's status is `failed` (exit 1), and a `send_alert` action is appended (verdict auto, not
mutating, critical, a reason naming the failed action, a 64-hex digest); without
TELEGRAM_BOT_TOKEN the alert is `planned`; with a token, TELEGRAM_CHAT_ID and
TELEGRAM_API_BASE_URL pointing at the loopback Bot API it is `executed` and the message carries
the incident id and the severity, and the token appears nowhere in the run result; a rollout that
fails after an applied mutation (ProgressDeadlineExceeded) also raises an alert; a successful
mutation raises none.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from openclaw.cli.main import main
from openclaw.testing.kube import EmulatedCluster, emulated_cluster
from openclaw.testing.telegram import telegram_server

REPO = Path(__file__).resolve().parents[2]
TOKEN = "123456:test-token-abcdef"
GHOST = "restart deployment ghost-api in namespace awoooi-staging"


@pytest.fixture
def ec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedCluster]:
    configs = tmp_path / "configs"
    shutil.copytree(REPO / "configs", configs, ignore=shutil.ignore_patterns("k8s"))
    (configs / "executor.yaml").write_text(yaml.safe_dump(
        {"verify_timeout_s": 2, "poll_interval_s": 0.02, "max_retries": 2, "backoff_s": 0.01}))
    with emulated_cluster(tmp_path) as running:
        monkeypatch.setenv("KUBECONFIG", str(running.kubeconfig_path))
        monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(configs))
        yield running


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], description: str, *flags: str, expect: int) -> dict:
    path = tmp_path / "incident.json"
    path.write_text(json.dumps({"id": "INC-404", "severity": "warning", "description": description}))
    code = main(["run", str(path), "--json", *flags])
    out = capsys.readouterr()
    assert code == expect, out.err
    [result] = [json.loads(line) for line in out.out.splitlines() if line.strip()]
    return result


def _check_alert(result: dict, failed: dict) -> dict:
    assert result["status"] == "failed"
    assert [a["index"] for a in result["actions"]] == [0, 1]
    alert = result["actions"][1]
    assert (alert["name"], alert["verdict"], alert["mutating"]) == ("send_alert", "auto", False)
    assert alert["args"]["severity"] == "critical" and alert["args"]["incident_id"] == "INC-404"
    assert "restart_deployment of awoooi-staging/ghost-api" in alert["args"]["message"]
    assert any("action 0" in r and "failed" in r for r in alert["reasons"])
    assert len(alert["digest"]) == 64 and alert["digest"] != failed["digest"]
    return alert


def test_missing_target_fails_clearly_and_plans_an_alert_without_a_token(ec, tmp_path, capsys) -> None:
    result = _run(tmp_path, capsys, GHOST, expect=1)
    failed = result["actions"][0]
    assert (failed["name"], failed["status"]) == ("restart_deployment", "failed")
    assert failed["result"]["status"] == 404 and "ghost-api" in failed["result"]["error"]
    assert len(ec.mutations()) == 1  # a 404 is not retried
    alert = _check_alert(result, failed)
    assert alert["status"] == "planned"
    assert "TELEGRAM_BOT_TOKEN" in alert["result"]["reason"]


def test_missing_target_alert_is_sent_with_a_token(ec, tmp_path, capsys, monkeypatch) -> None:
    with telegram_server(token=TOKEN) as bot:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_CHAT_ID", "-1001234")
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", bot.url)
        result = _run(tmp_path, capsys, GHOST, "--apply", expect=1)
    failed = result["actions"][0]
    assert failed["status"] == "failed" and failed["result"]["status"] == 404
    assert failed["result"]["applied"] is False
    assert ec.mutations()[0]["query"].get("dryRun") == "All"  # apply's server-side dry run found the 404
    alert = _check_alert(result, failed)
    assert alert["status"] == "executed"
    [message] = bot.messages
    assert message["chat_id"] == "-1001234"
    assert "CRITICAL" in message["text"] and "INC-404" in message["text"] and "ghost-api" in message["text"]
    assert TOKEN not in json.dumps(result)


def test_failed_rollout_after_apply_raises_an_alert(ec, tmp_path, capsys) -> None:
    ec.set_controller("fail")
    result = _run(tmp_path, capsys, "restart deployment awoooi-api in namespace awoooi-staging", "--apply",
                  expect=1)
    failed, alert = result["actions"]
    assert failed["status"] == "failed" and failed["result"]["applied"] is True
    assert failed["result"]["verification"]["outcome"] != "succeeded"
    assert (alert["name"], alert["status"]) == ("send_alert", "planned")
    assert "was applied" in alert["args"]["message"]


def test_successful_mutation_raises_no_alert(ec, tmp_path, capsys) -> None:
    result = _run(tmp_path, capsys, "restart deployment awoooi-api in namespace awoooi-staging", expect=0)
    assert [(a["name"], a["status"]) for a in result["actions"]] == [("restart_deployment", "dry_run")]
