"""Field-by-field comparison of two run results.

Volatile fields (run ids, digests, timestamps, latencies) are left out: a replay is
identical when the path through the graph and the decision are the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_ROUND = 4


@dataclass(frozen=True)
class Difference:
    field: str
    original: Any
    replay: Any

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "original": self.original, "replay": self.replay}


def _round(value: Any) -> Any:
    return round(value, _ROUND) if isinstance(value, float) else value


def full_view(result: dict[str, Any]) -> dict[str, Any]:
    """Everything that must be identical in a replay: the path and the decision."""
    intent, complexity, decision = result.get("intent") or {}, result.get("complexity") or {}, result.get("decision")
    return {
        "status": result.get("status"),
        "degraded": result.get("degraded", False),
        "intent": {k: _round(intent.get(k)) for k in ("task_type", "confidence", "provider")} if intent else None,
        "complexity": {k: _round(complexity.get(k)) for k in ("level", "score", "provider")} if complexity else None,
        "route": result.get("route"),
        "path": [
            {"node": a["node"], "provider": a["provider"], "model": a["model"], "outcome": a["outcome"]}
            for a in result.get("attempts", [])
        ],
        "decision": None if decision is None else {
            "provider": decision["provider"],
            "model": decision["model"],
            "tool_calls": [{"name": c["name"], "args": c["args"]} for c in decision.get("tool_calls", [])],
            "reply": decision.get("reply", ""),
        },
        "actions": [
            {
                "index": a["index"], "name": a["name"], "args": a["args"], "mutating": a["mutating"],
                "verdict": a["verdict"], "risk": _round(a["risk"]), "reasons": a["reasons"],
                "approvals_required": a["approvals_required"],
                "approvals": [p["approver"] for p in a.get("approvals", [])],
                "status": a["status"], "result": a.get("result"),
            }
            for a in result.get("actions", [])
        ],
    }


def decision_view(result: dict[str, Any]) -> dict[str, Any]:
    """What a what-if run compares: intent, route, tool calls and verdicts."""
    full = full_view(result)
    return {
        "intent": (full["intent"] or {}).get("task_type"),
        "route": full["route"],
        "tool_calls": (full["decision"] or {}).get("tool_calls", []),
        "verdicts": [{"name": a["name"], "args": a["args"], "verdict": a["verdict"]} for a in full["actions"]],
    }


def diff(original: Any, replay: Any, path: str = "") -> list[Difference]:
    """Every leaf where the two differ, named by its path (``actions[0].verdict``)."""
    if isinstance(original, dict) and isinstance(replay, dict):
        out: list[Difference] = []
        for key in sorted(set(original) | set(replay), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in original:
                out.append(Difference(sub, None, replay[key]))
            elif key not in replay:
                out.append(Difference(sub, original[key], None))
            else:
                out.extend(diff(original[key], replay[key], sub))
        return out
    if isinstance(original, list) and isinstance(replay, list):
        out = []
        for i in range(max(len(original), len(replay))):
            sub = f"{path}[{i}]"
            if i >= len(original):
                out.append(Difference(sub, None, replay[i]))
            elif i >= len(replay):
                out.append(Difference(sub, original[i], None))
            else:
                out.extend(diff(original[i], replay[i], sub))
        return out
    return [] if original == replay else [Difference(path or "value", original, replay)]
