"""The graph's routers: each LLM node loops on itself until it has an answer; the gate until it is final.

Routers return ``Literal[...]`` so that ``openclaw graph`` draws the real edges.
"""

from __future__ import annotations

from typing import Literal

from openclaw.nodes.approval_gate import waiting
from openclaw.nodes.state import PipelineState


async def after_classify_intent(state: PipelineState) -> Literal["classify_intent", "analyze_complexity"]:
    return "analyze_complexity" if state.get("intent") else "classify_intent"


async def after_analyze_complexity(state: PipelineState) -> Literal["analyze_complexity", "decide"]:
    return "decide" if state.get("complexity") else "analyze_complexity"


async def after_decide(state: PipelineState) -> Literal["decide", "trust"]:
    return "trust" if state.get("decision") else "decide"


async def after_execute(state: PipelineState) -> Literal["decide", "report"]:
    """Back to decide after an evidence round (execute cleared the decision), else to report."""
    return "report" if state.get("decision") else "decide"


async def after_approval_gate(state: PipelineState) -> Literal["approval_gate", "execute"]:
    return "approval_gate" if waiting(state) else "execute"
