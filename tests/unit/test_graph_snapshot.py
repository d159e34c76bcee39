"""The compiled graph's Mermaid text is snapshotted, so an accidental edge change shows up in review.

Covers: the seven nodes in pipeline order, self-loops on the three LLM nodes and the gate, the
evidence loop from execute back to decide,
conditional edges drawn from the routers' Literal return types, `openclaw graph` output.
To accept an intended change: openclaw graph > tests/snapshots/decision_pipeline.mmd
"""

from __future__ import annotations

from pathlib import Path

from openclaw.cli.graph import mermaid
from openclaw.cli.main import main

SNAPSHOT = Path(__file__).resolve().parent.parent / "snapshots" / "decision_pipeline.mmd"


def test_graph_matches_snapshot():
    assert mermaid() == SNAPSHOT.read_text()


def test_graph_has_the_fallback_loops_and_the_gate_loop():
    text = mermaid()
    for node in ("classify_intent", "analyze_complexity", "decide", "approval_gate"):
        assert f"{node} -.-> {node};" in text
    for edge in ("__start__ --> classify_intent;", "classify_intent -.-> analyze_complexity;",
                 "analyze_complexity -.-> decide;", "decide -.-> trust;", "trust --> approval_gate;",
                 "approval_gate -.-> execute;", "execute -.-> report;", "execute -.-> decide;",
                 "report --> __end__;"):
        assert edge in text


def test_openclaw_graph_prints_it(capsys):
    assert main(["graph"]) == 0
    assert capsys.readouterr().out == SNAPSHOT.read_text()
