"""The run timeline (openclaw.cli.render) and the attempt record's vendor id.

Covers: an error repeated by every node and evidence round ("GEMINI_API_KEY is not set") is
printed once per run, later attempts say "as above"; an attempt whose model a providers.yaml
alias renamed shows both names, and `openclaw run --json` carries the id actually called as
the optional `vendor_model` (absent when nothing was renamed); the approve hint carries the
flags it is given and is left out for a replay; a waiting run lists the approvals counted so far.
"""

from __future__ import annotations

import io
import json

from rich.console import Console

from openclaw.cli.main import main
from openclaw.cli.render import timeline
from openclaw.models.run import RunResult

KEY = "GEMINI_API_KEY is not set; export GEMINI_API_KEY=... to use Gemini"


def _text(result: dict, **kw) -> str:
    out = io.StringIO()
    timeline(result, Console(file=out, width=300, highlight=False, soft_wrap=True), **kw)
    return out.getvalue()


def _attempt(node: str, provider: str = "gemini", model: str = "gemini-1.5-flash", **extra) -> dict:
    return {"node": node, "provider": provider, "model": model, "outcome": "unavailable", "latency_ms": 0.0,
            "error": KEY, **extra}


def _result(attempts: list[dict], status: str = "completed") -> dict:
    return RunResult(
        run_id="run-1", incident_id="INC-1", status=status,
        intent={"task_type": "incident_analysis", "confidence": 0.9, "provider": "rules"},
        complexity={"level": "complex", "score": 0.8, "provider": "rules"},
        route={"task_type": "incident_analysis", "chain": ["gemini/gemini-1.5-flash", "rules/embedded"]},
        attempts=attempts,
        actions=[{"index": 0, "name": "restart_deployment", "args": {"deployment": "a", "namespace": "n"},
                  "mutating": True, "verdict": "approval", "risk": 0.6, "reasons": ["r"], "approvals_required": 1,
                  "digest": "d", "status": "awaiting_approval"}] if status == "awaiting_approval" else [],
    ).model_dump(mode="json")


def test_a_missing_key_is_said_once_per_run():
    result = _result([_attempt("classify_intent"), _attempt("analyze_complexity"), _attempt("decide"),
                      _attempt("decide")])
    text = _text(result)
    assert text.count("GEMINI_API_KEY is not set") == 1
    assert text.count("(as above)") == 3


def test_an_aliased_model_shows_the_id_called():
    result = _result([_attempt("decide", vendor_model="gemini-2.5-flash"), _attempt("classify_intent", "nim", "m")])
    assert result["attempts"][0]["vendor_model"] == "gemini-2.5-flash"
    assert "vendor_model" not in result["attempts"][1]  # nothing renamed: the contract's fields only
    assert "gemini/gemini-1.5-flash (called gemini-2.5-flash) unavailable" in _text(result)


def test_run_json_carries_the_vendor_id_of_an_aliased_model(tmp_path, capsys):
    (tmp_path / "i.json").write_text(json.dumps({"description": "please restart the awoooi-api deployment"}))
    assert main(["run", str(tmp_path / "i.json"), "--json"]) == 0
    attempts = json.loads(capsys.readouterr().out)["attempts"]
    gemini = [a for a in attempts if a["provider"] == "gemini"]
    assert gemini and all(a["model"] == "gemini-1.5-flash" and a["vendor_model"] == "gemini-2.5-flash" for a in gemini)
    assert all("vendor_model" not in a for a in attempts if a["provider"] in ("nim", "rules"))


def test_the_approve_hint_carries_flags_and_a_replay_has_none():
    result = _result([], status="awaiting_approval")
    assert "openclaw approve run-1 --key KEYFILE --action 0 --apply --context staging" in _text(
        result, flags=" --apply --context staging")
    assert "openclaw approve" not in _text(result, hints=False)


def test_a_waiting_run_lists_the_approvals_counted_so_far():
    result = _result([], status="awaiting_approval")
    result["actions"][0].update(approvals_required=2, approvals=[{"approver": "alice", "at": "2026-11-27T03:05:00Z",
                                                                  "action": 0}])
    text = _text(result)
    assert "1/2" in text and "approved by alice at 2026-11-27T03:05:00Z" in text
