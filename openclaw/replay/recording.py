"""A run's recording, from the run store or from an exported bundle.

A bundle is one self-contained JSON document: the run result, the incident and raw
input, the text of every config file the run used, every node's output (with the
Kubernetes and Telegram exchanges of each action), every LLM exchange, the resume
answers of the approval gate, the approvals and the run's audit entries. Secrets are
never recorded in the first place (no headers, no keys); :func:`export_bundle` also
scrubs the values of any secret it is given, as a last line of defence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openclaw.errors import InputError

BUNDLE_FORMAT = "openclaw.bundle/v1"


@dataclass
class Recording:
    run_id: str
    result: dict[str, Any]
    incident: dict[str, Any] | None
    configs: dict[str, dict[str, str]]
    node_outputs: list[dict[str, Any]]
    exchanges: list[dict[str, Any]]
    raw_input: str | None = None
    approvals: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)

    def resume_answers(self) -> list[Any]:
        """The answers the approval gate was resumed with, in order."""
        return [o["output"] for o in self.node_outputs if o["node"] == "__resume__"]

    def final_actions(self) -> list[dict[str, Any]]:
        """The actions as the last node that touched them left them (internal fields included)."""
        actions: list[dict[str, Any]] = []
        for output in self.node_outputs:
            value = output["output"]
            if isinstance(value, dict) and isinstance(value.get("actions"), list):
                actions = value["actions"]
        return actions

    def as_bundle(self) -> dict[str, Any]:
        return {
            "format": BUNDLE_FORMAT,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "run_id": self.run_id,
            "result": self.result,
            "incident": self.incident,
            "raw_input": self.raw_input,
            "configs": self.configs,
            "node_outputs": self.node_outputs,
            "exchanges": self.exchanges,
            "approvals": self.approvals,
            "audit": self.audit,
        }


def from_store(store: Any, run_id: str, *, audit: Any = None, approvals: list[dict[str, Any]] | None = None) -> Recording:
    record = store.record(run_id)
    return Recording(
        run_id=run_id,
        result=record["result"],
        incident=record["incident"],
        raw_input=record["raw_input"],
        configs=store.config_blobs(record["config_hashes"]),
        node_outputs=record["node_outputs"],
        exchanges=record["exchanges"],
        approvals=approvals or [],
        audit=[_entry(e) for e in audit.entries(run_id)] if audit is not None else [],
    )


def _entry(entry: Any) -> dict[str, Any]:
    if isinstance(entry, dict):
        return entry
    fields = getattr(entry, "__dataclass_fields__", None)
    return {k: getattr(entry, k) for k in fields} if fields else {"entry": str(entry)}


def from_bundle(path: str | Path) -> Recording:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such bundle file") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable JSON bundle ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise InputError(f"{path}: not an OpenClaw bundle (expected format {BUNDLE_FORMAT!r})")
    try:
        return Recording(
            run_id=data["run_id"], result=data["result"], incident=data.get("incident"),
            raw_input=data.get("raw_input"), configs=data.get("configs") or {},
            node_outputs=data.get("node_outputs") or [], exchanges=data.get("exchanges") or [],
            approvals=data.get("approvals") or [], audit=data.get("audit") or [],
        )
    except KeyError as exc:
        raise InputError(f"{path}: bundle is missing {exc.args[0]!r}") from None


def scrub(document: Any, secrets: list[str]) -> Any:
    """Replace every occurrence of each secret value (at least 6 characters) with '[redacted]'."""
    text = json.dumps(document, ensure_ascii=False, default=str)
    for secret in sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True):
        text = text.replace(json.dumps(secret, ensure_ascii=False)[1:-1], "[redacted]")
    return json.loads(text)


def recorded_approvals(approvals: Any, run_id: str) -> list[dict[str, Any]]:
    """The signed decisions accepted for a run (public data: signatures, never keys), from the approvals
    store (``openclaw.storage.ports.ApprovalRepository``)."""
    return [
        {"person": d.person, "received_at": d.received_at, "decision": d.decision.model_dump(mode="json")}
        for d in approvals.decisions(run_id)
    ]
