"""Replay: record a run through the loopback LLM simulator and kmock, shut both down, replay it.

Covers: the recording (every LLM exchange with request and response, the cluster exchanges of
each action, the config texts by hash, the environment) and `runs export` (a self-contained
bundle with no API key, bot token or API token in it); `openclaw replay RUN_ID` identical with
the simulator and the cluster gone, exit 0, the audit log untouched; a bundle replayed under
another OPENCLAW_HOME; a changed prompt listed as an LLM request difference (exit 1); a changed
policy as a what-if (`--config-dir`) and as a fork from the trust checkpoint (`--from trust`),
verdicts listed field by field; `--all` prints the changed decisions; usage errors (exit 2).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from openclaw import prompts
from openclaw.cli.main import main
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.settings import load_settings, shipped_config_dir
from openclaw.testing.kube import emulated_cluster
from openclaw.testing.llm_sim import LLMSimulator, ToolCall, ToolCalls, Usage

SECRETS = {
    "NVIDIA_API_KEY": "nvapi-SECRET-nim-0123456789",
    "TELEGRAM_BOT_TOKEN": "123456:SECRET-telegram-abcdef",
    "OPENCLAW_API_TOKEN": "SECRET-api-token-xyz",
}
INCIDENT = {"id": "INC-REPLAY-1", "description": "The awoooi-api deployment keeps crashing in awoooi-staging, fix it",
            "namespace": "awoooi-staging", "requested_by": "alice"}
RESTART = ToolCalls((ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-staging"}),),
                    usage=Usage(120, 30))


def _configs(tmp_path: Path) -> Path:
    target = tmp_path / "configs"
    shutil.copytree(shipped_config_dir(), target, ignore=shutil.ignore_patterns("k8s"))
    (target / "executor.yaml").write_text(yaml.safe_dump({"verify_timeout_s": 2, "poll_interval_s": 0.02,
                                                          "max_retries": 1, "backoff_s": 0.01}))
    return target


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def recorded(tmp_path, monkeypatch, capsys):
    """One run decided by NIM (simulated) and dry-run on the emulated cluster; both are gone afterwards."""
    monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(_configs(tmp_path)))
    incident = tmp_path / "incident.json"
    incident.write_text(json.dumps(INCIDENT))
    with LLMSimulator(gzip=True) as sim, emulated_cluster(tmp_path) as cluster:  # gzip, as real vendors answer
        sim.set_default(RESTART, prefix="nim")
        for key, value in SECRETS.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("NVIDIA_API_BASE_URL", sim.openai_url("nim"))
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9")
        monkeypatch.setenv("TELEGRAM_CHAT_ID", "42")
        monkeypatch.setenv("KUBECONFIG", str(cluster.kubeconfig_path))
        assert main(["run", str(incident), "--json"]) == 0
        [result] = _lines(capsys.readouterr().out)
        [request] = sim.chat_requests(prefix="nim")
        assert "gzip" in request.headers.get("accept-encoding", ""), "the answer came back compressed"
        mutations = len(cluster.mutations())
    assert result["decision"]["provider"] == "nim"
    assert result["actions"][0]["status"] == "dry_run"
    return {"run_id": result["run_id"], "result": result, "mutations": mutations}


def test_replay_is_identical_with_simulator_and_cluster_gone(recorded, capsys):
    audit = AuditLog(load_settings().state_db)
    before = len(audit.entries())
    assert main(["replay", recorded["run_id"], "--json"]) == 0
    report = _lines(capsys.readouterr().out)[0]
    assert report["identical"] is True, report["differences"]
    assert report["replay"]["decision"]["provider"] == "nim"
    assert report["replay"]["actions"][0]["status"] == "dry_run"
    assert len(audit.entries()) == before, "a replay never writes the audit log"
    assert main(["replay", recorded["run_id"]]) == 0
    assert "identical" in capsys.readouterr().out


def test_recording_holds_exchanges_and_no_secret(recorded, capsys, monkeypatch):
    home = load_settings().home
    for path in home.rglob("*"):  # the store itself, not only the (scrubbed) export
        if path.is_file():
            raw = path.read_bytes()
            for secret in SECRETS.values():
                assert secret.encode() not in raw, f"{secret} found in {path}"
    for key in SECRETS:
        monkeypatch.delenv(key)  # nothing for the export's scrubber to know: the record must be clean by itself
    assert main(["runs", "export", recorded["run_id"]]) == 0
    text = capsys.readouterr().out
    bundle = json.loads(text)
    for secret in SECRETS.values():
        assert secret not in text
    assert "authorization" not in text.lower()
    [llm] = [x for x in bundle["exchanges"] if x["kind"] == "llm"]
    assert llm["vendor"] == "nim" and llm["status"] == 200
    assert llm["request"]["tools"] and llm["request"]["messages"]
    assert llm["response"]["usage"]["prompt_tokens"] == 120
    assert set(bundle["configs"]) >= {"routing.yaml", "trust.yaml", "providers.yaml"}
    executed = [o["output"]["actions"] for o in bundle["node_outputs"] if o["node"] == "execute"][0]
    assert executed[0]["exchanges"], "the cluster exchanges of the action are recorded"


def test_bundle_replays_under_another_home(recorded, tmp_path, monkeypatch, capsys):
    assert main(["runs", "export", recorded["run_id"]]) == 0
    bundle = tmp_path / "bundle.json"
    bundle.write_text(capsys.readouterr().out)
    monkeypatch.setenv("OPENCLAW_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("OPENCLAW_CONFIG_DIR")
    for key in SECRETS:
        monkeypatch.delenv(key)
    assert main(["replay", str(bundle), "--json"]) == 0
    assert _lines(capsys.readouterr().out)[0]["identical"] is True


def test_a_changed_prompt_is_listed(recorded, tmp_path, monkeypatch, capsys):
    changed = tmp_path / "prompts"
    shutil.copytree(prompts.PROMPTS_DIR, changed, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (changed / "system.md").write_text((changed / "system.md").read_text() + "\nAlways be brief.\n")
    monkeypatch.setattr(prompts, "PROMPTS_DIR", changed)
    prompts._template.cache_clear()
    try:
        assert main(["replay", recorded["run_id"], "--json"]) == 1
    finally:
        prompts._template.cache_clear()
    report = _lines(capsys.readouterr().out)[0]
    assert report["identical"] is False
    [mismatch] = report["request_mismatches"]
    assert "Always be brief." in json.dumps(mismatch["request"]) and "Always be brief." not in json.dumps(mismatch["recorded"])
    [changed] = [d for d in report["differences"] if d["field"].startswith("llm_request[")]
    assert changed["field"] == "llm_request[nim#0].messages[0].content", "named down to the changed field"
    assert changed["replay"].endswith("Always be brief.\n") and not changed["original"].endswith("brief.\n")


def _stricter_policy(tmp_path: Path) -> Path:
    target = tmp_path / "stricter"
    shutil.copytree(shipped_config_dir(), target, ignore=shutil.ignore_patterns("k8s"))
    trust = yaml.safe_load((target / "trust.yaml").read_text())
    trust["version"] = "stricter-1"
    trust["namespaces"]["production"] = [*trust["namespaces"]["production"], "awoooi-staging"]
    (target / "trust.yaml").write_text(yaml.safe_dump(trust))
    return target


def test_a_changed_policy_shows_in_what_if_and_in_a_fork(recorded, tmp_path, capsys):
    stricter = _stricter_policy(tmp_path)
    assert main(["replay", recorded["run_id"], "--config-dir", str(stricter), "--json"]) == 1
    report = _lines(capsys.readouterr().out)[0]
    assert report["mode"] == "what-if"
    assert {"field": "verdicts[0].verdict", "original": "auto", "replay": "approval"} in report["differences"]
    assert report["replay"]["actions"][0]["status"] == "awaiting_approval", "nothing is executed"

    assert main(["replay", recorded["run_id"], "--from", "trust", "--config-dir", str(stricter), "--json"]) == 1
    forked = _lines(capsys.readouterr().out)[0]
    assert forked["mode"] == "fork"
    assert {"field": "verdicts[0].verdict", "original": "auto", "replay": "approval"} in forked["differences"]
    assert forked["replay"]["decision"] == recorded["result"]["decision"], "the fork reuses the recorded decision"


def test_replay_all_lists_changed_decisions(recorded, tmp_path, capsys):
    assert main(["replay", "--all", "--config-dir", str(_stricter_policy(tmp_path))]) == 1
    out = capsys.readouterr().out
    assert "1 changed" in out and recorded["run_id"] in out
    assert main(["replay", "--all"]) == 0


@pytest.mark.parametrize("argv", [["replay"], ["replay", "--since", "2026-01-01", "run-x"],
                                  ["replay", "run-nope"], ["replay", "run-x", "--from", "nowhere"]])
def test_replay_usage_errors(argv, capsys):
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("openclaw: error:")


def test_an_approved_run_replays_identically_without_counting_again(tmp_path, monkeypatch, capsys):
    from openclaw.approvals.approvers import add_approver
    from openclaw.approvals.keys import generate_keypair
    from openclaw.storage.sqlite.approvals import ApprovalStore

    configs = _configs(tmp_path)
    pair = generate_keypair("alice", tmp_path / "keys")
    add_approver(configs / "approvers.yaml", "alice", pair.public_key, ["sre"])
    monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(configs))
    incident = tmp_path / "prod.json"
    incident.write_text(json.dumps({"description": "please restart the awoooi-api deployment", "requested_by": "bob"}))
    assert main(["run", str(incident), "--json"]) == 0
    run_id = _lines(capsys.readouterr().out)[0]["run_id"]
    assert main(["approve", run_id, "--key", str(pair.private_path)]) == 0
    capsys.readouterr()
    assert main(["runs", "show", run_id, "--json"]) == 0
    approved = _lines(capsys.readouterr().out)[0]
    assert approved["status"] == "completed" and approved["actions"][0]["status"] == "planned"
    stored = len(ApprovalStore(load_settings().state_db).decisions(run_id))

    assert main(["replay", run_id, "--json"]) == 0
    report = _lines(capsys.readouterr().out)[0]
    assert report["identical"] is True, report["differences"]
    assert report["replay"]["actions"][0]["approvals"][0]["approver"] == "alice"
    assert len(ApprovalStore(load_settings().state_db).decisions(run_id)) == stored, "no approval counted again"
    assert main(["runs", "export", run_id]) == 0
    bundle = json.loads(capsys.readouterr().out)
    assert bundle["approvals"][0]["person"] == "alice" and bundle["approvals"][0]["decision"]["signature"]


def test_a_verdict_that_depended_on_history_replays_identically(tmp_path, capsys):
    incident = tmp_path / "flap.json"
    incident.write_text(json.dumps({"description": "restart deployment awoooi-api in namespace awoooi-staging",
                                    "requested_by": "bob"}))
    results = []
    for _ in range(5):
        assert main(["run", str(incident), "--json"]) == 0
        results.append(_lines(capsys.readouterr().out)[0])
    last = results[-1]
    assert last["actions"][0]["verdict"] == "approval", "anti-flapping: the fifth restart waits"
    assert main(["replay", last["run_id"], "--json"]) == 0
    assert _lines(capsys.readouterr().out)[0]["identical"] is True
    assert main(["replay", "--all"]) == 0, "what-if runs judge on the recorded history too: nothing changed"
    assert "5 run(s) decided again; 0 changed" in capsys.readouterr().out
    assert main(["replay", "--all", "--since", "2999-01-01"]) == 0
    assert "0 run(s) decided again" in capsys.readouterr().out


def test_a_timed_out_attempt_replays_as_a_timeout(tmp_path, monkeypatch, capsys):
    from openclaw.testing.llm_sim import Stall

    configs = _configs(tmp_path)
    routing = yaml.safe_load((configs / "routing.yaml").read_text())
    routing["attempt_timeout_s"] = 2  # gemini answers well within it; the stall never does
    (configs / "routing.yaml").write_text(yaml.safe_dump(routing))
    monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(configs))
    incident = tmp_path / "slow.json"
    incident.write_text(json.dumps({"description": "Show me all pods in awoooi-prod namespace"}))
    with LLMSimulator() as sim:
        sim.enqueue(Stall(120), prefix="nim")
        sim.set_default(ToolCall("kubectl_get", {"resource": "pods", "namespace": "awoooi-prod"}), prefix="gemini")
        monkeypatch.setenv("NVIDIA_API_KEY", "nvapi-x")
        monkeypatch.setenv("NVIDIA_API_BASE_URL", sim.openai_url("nim"))
        monkeypatch.setenv("GEMINI_API_KEY", "g-x")
        monkeypatch.setenv("GEMINI_BASE_URL", sim.openai_url("gemini"))
        assert main(["run", str(incident), "--json"]) == 0
        result = _lines(capsys.readouterr().out)[0]
    hops = [(a["provider"], a["outcome"]) for a in result["attempts"] if a["node"] == "decide"]
    assert hops == [("nim", "timeout"), ("gemini", "ok")]
    assert main(["replay", result["run_id"], "--json"]) == 0
    report = _lines(capsys.readouterr().out)[0]
    assert report["identical"] is True, report["differences"]
