"""``openclaw completion bash|zsh|tcsh``: the shell completion script, generated from the parser (shtab).

    source <(openclaw completion bash)                  # this shell
    openclaw completion zsh > "${fpath[1]}/_openclaw"   # zsh, for good

The script is static: completing costs the shell nothing and never starts Python. Arguments
whose metavar names a file (PATH, FILE, KEYFILE, BUNDLE) complete file names, DIR directories.
"""

from __future__ import annotations

import argparse
import sys

SHELLS = ("bash", "zsh", "tcsh")
_FILES = {"PATH", "FILE", "KEYFILE", "RUN_ID|BUNDLE"}
_DIRS = {"DIR"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "completion",
        help="print the shell completion script (bash, zsh, tcsh)",
        description="Print a completion script for SHELL on stdout. Load it with `source <(openclaw completion "
        "bash)` (add that line to ~/.bashrc to keep it), or for zsh write it to a directory in $fpath as _openclaw.",
    )
    p.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or tcsh")
    p.set_defaults(handler=_completion)


def _mark_paths(parser: argparse.ArgumentParser) -> None:
    """Tell shtab which arguments are files or directories, from their metavars."""
    import shtab

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                _mark_paths(child)
        elif action.metavar in _FILES:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
        elif action.metavar in _DIRS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]


def script(shell: str) -> str:
    """The completion script for ``shell``."""
    import shtab

    from openclaw.cli.main import build_parser

    parser = build_parser()
    _mark_paths(parser)
    return shtab.complete(parser, shell=shell)


def _completion(args: argparse.Namespace) -> int:
    sys.stdout.write(script(args.shell))
    return 0
