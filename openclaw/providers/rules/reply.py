"""The short, deterministic ``decision.reply`` written when the rules engine decided."""

from __future__ import annotations

from collections.abc import Sequence

from openclaw.providers.rules.types import ProposedCall, TaskType

NEEDS_LLM = (
    "The embedded rules engine only proposes Kubernetes actions; it cannot {what}. "
    "Configure an LLM provider (set NVIDIA_API_KEY, or OLLAMA_BASE_URL for a local Ollama) for that."
)
_MAX_LISTED = 5


def compose_reply(text: str, task_type: TaskType, calls: Sequence[ProposedCall]) -> str:
    """One or two sentences: what was proposed, or why nothing was (never raises)."""
    if task_type == "code_generation":
        return NEEDS_LLM.format(what="generate code, manifests, playbooks or runbooks")
    if task_type == "general_chat" and not calls:
        return NEEDS_LLM.format(what="answer free-form questions or chat")
    if not calls:
        return (
            "The rules engine found no action it could propose from this text. "
            "Name the workload and what to do (e.g. 'restart deployment X in namespace Y'), "
            "or configure an LLM provider (NVIDIA_API_KEY or OLLAMA_BASE_URL)."
        )
    listed = "; ".join(describe_call(c) for c in calls[:_MAX_LISTED])
    more = f" (and {len(calls) - _MAX_LISTED} more)" if len(calls) > _MAX_LISTED else ""
    lead = "Proposed by the rules engine" + (" for analysis" if task_type == "incident_analysis" else "")
    return f"{lead}: {listed}{more}. Every action is checked by the trust policy before it runs."


def describe_call(call: ProposedCall) -> str:
    """``restart deployment awoooi-api in awoooi-prod`` and the like, for people."""
    a = call.args if isinstance(call.args, dict) else {}
    ns = f" in {a['namespace']}" if a.get("namespace") else ""
    if call.name == "restart_deployment":
        return f"restart deployment {a.get('deployment')}{ns}"
    if call.name == "scale_deployment":
        return f"scale deployment {a.get('deployment')}{ns} to {a.get('replicas')} replicas"
    if call.name == "get_logs":
        tail = f" (last {a['tail']} lines)" if a.get("tail") else ""
        return f"read logs of pod {a.get('pod')}{ns}{tail}"
    if call.name == "kubectl_get":
        name = f" {a['name']}" if a.get("name") else ""
        return f"list {a.get('resource')}{name}{ns}"
    if call.name == "send_alert":
        return f"send a {a.get('severity')} alert"
    if call.name == "kubectl_execute":
        return f"run kubectl command {str(a.get('command'))[:80]!r} (it is parsed, never run in a shell)"
    return call.name
