"""The decision pipeline, wired from the node functions in ``openclaw.nodes``.

    START → classify_intent → analyze_complexity → decide → trust → approval_gate → execute → report → END
                                                     ↑                                      │
                                                     └──── evidence: read results (bounded) ┘

Each LLM node loops on itself (next provider) until it has an answer; the gate loops
until every request is approved, rejected or expired. For an alert, execute loops back to
decide after each round of evidence reads (bounded), before any mutation is proposed.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from openclaw.nodes import routing
from openclaw.nodes.analyze_complexity import analyze_complexity
from openclaw.nodes.approval_gate import approval_gate
from openclaw.nodes.classify_intent import classify_intent
from openclaw.nodes.decide import decide
from openclaw.nodes.execute import execute
from openclaw.nodes.report import report
from openclaw.nodes.state import PipelineContext, PipelineState
from openclaw.nodes.trust import trust


def build_graph() -> StateGraph:
    builder = StateGraph(PipelineState, context_schema=PipelineContext)
    builder.add_node("classify_intent", classify_intent)
    builder.add_node("analyze_complexity", analyze_complexity)
    builder.add_node("decide", decide)
    builder.add_node("trust", trust)
    builder.add_node("approval_gate", approval_gate)
    builder.add_node("execute", execute)
    builder.add_node("report", report)

    builder.add_edge(START, "classify_intent")
    builder.add_conditional_edges("classify_intent", routing.after_classify_intent)
    builder.add_conditional_edges("analyze_complexity", routing.after_analyze_complexity)
    builder.add_conditional_edges("decide", routing.after_decide)
    builder.add_edge("trust", "approval_gate")
    builder.add_conditional_edges("approval_gate", routing.after_approval_gate)
    builder.add_conditional_edges("execute", routing.after_execute)
    builder.add_edge("report", END)
    return builder

