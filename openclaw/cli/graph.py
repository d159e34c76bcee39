"""``openclaw graph``: the Mermaid text of the compiled decision graph."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("graph", help="print the Mermaid text of the compiled graph")
    p.set_defaults(handler=_graph)


def mermaid() -> str:
    from graphs.decision_pipeline import build_graph

    return build_graph().compile().get_graph().draw_mermaid()


def _graph(args: argparse.Namespace) -> int:
    sys.stdout.write(mermaid())
    return 0
