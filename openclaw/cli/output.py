"""``-o json|yaml`` for the commands that print objects, as kubectl users expect.

``--json`` keeps working where it existed (it is ``-o json``). A list command prints JSON one
object per line (as ``--json`` always did) and YAML as one sequence; a single object prints
as one JSON line or one YAML mapping.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

FORMATS = ("json", "yaml")


def add_output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", choices=FORMATS, metavar="FORMAT",
                        help="print the object(s) as json or yaml instead of text")


def output_format(args: argparse.Namespace) -> str | None:
    """``json``, ``yaml``, or None for text; ``--json`` means ``-o json``."""
    if getattr(args, "json", False):
        return "json"
    return getattr(args, "output", None)


def emit(obj: Any, fmt: str, *, many: bool = False) -> None:
    """Print ``obj`` (a list of objects when ``many``) in ``fmt``."""
    if fmt == "yaml":
        import yaml

        sys.stdout.write(yaml.safe_dump(obj, sort_keys=False, allow_unicode=True, default_flow_style=False))
        return
    for item in obj if many else [obj]:
        sys.stdout.write(json.dumps(item, ensure_ascii=False) + "\n")
