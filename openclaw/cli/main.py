"""``openclaw``: the command line. ``main(argv) -> int`` is callable from tests.

Exit codes (docs/contracts.md): 0 success (a run waiting for approval included),
1 a run failed, 2 bad input or usage: one readable line on stderr, no traceback.
Without a command it prints the help. ``-v`` (anywhere) says on stderr which config dir a
command that reads config used.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from openclaw import __version__, coldstart
from openclaw.errors import OpenClawError, UsageError

# One module per noun; each has register(sub). Order is the order of `openclaw --help`.
COMMAND_MODULES = (
    "run", "approve", "runs", "replay", "audit", "policy", "keys", "approvers", "bench", "graph", "serve",
    "db", "completion",
)

_MODULE_OF = {"reject": "approve"}
"""Commands registered by another command's module."""

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see: {self.prog} --help)")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, just that command (each command module imports what it needs,
    so ``openclaw run`` does not pay for the parsers of the other twelve)."""
    parser = _Parser(
        prog="openclaw",
        description="Decision engine for Kubernetes incident response.",
    )
    parser.add_argument("--version", action="version", version=f"openclaw {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="say which config dir the command read")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=False, parser_class=_Parser)
    for name in COMMAND_MODULES if only is None else (only,):
        try:
            module = importlib.import_module(f"openclaw.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"openclaw.cli.{name}":
                raise
            continue
        module.register(sub)
    _verbose_everywhere(sub)
    return parser


def _named_command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names, when it is one of ours and nothing before it but ``-v`` (else None: the
    whole parser decides, and reports what is wrong)."""
    for arg in argv:
        if arg in ("-v", "--verbose"):
            continue
        module = _MODULE_OF.get(arg, arg)
        return module if module in COMMAND_MODULES else None
    return None


def _verbose_everywhere(sub: argparse._SubParsersAction) -> None:
    """``-v`` after the command too (``openclaw run x.json -v``), as kubectl users type it."""
    for parser in set(sub.choices.values()):
        if not any("--verbose" in a.option_strings for a in parser._actions):
            parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                                help="say which config dir the command read")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _verbose_everywhere(action)


def _say_config_dir(args: argparse.Namespace) -> None:
    from openclaw.config.userdir import describe_config_dir
    from openclaw.settings import load_settings

    print(f"openclaw: {describe_config_dir(load_settings(config_dir=getattr(args, 'config_dir', None)))}",
          file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser(_named_command(sys.argv[1:] if argv is None else argv))
        args = parser.parse_args(argv)
        if getattr(args, "handler", None) is None:  # bare `openclaw`: the help, as git and kubectl do
            parser.print_help()
            return EXIT_OK
        if args.verbose and getattr(args, "reads_config", False):
            _say_config_dir(args)
        return int(args.handler(args))
    except UsageError as exc:
        print(f"openclaw: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OpenClawError as exc:
        print(f"openclaw: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("openclaw: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `openclaw run --json | head`: the reader left; stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush cannot fail again
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - a bug still gets one readable line, never a bare traceback
        if os.environ.get("OPENCLAW_DEBUG"):
            raise
        print(f"openclaw: internal error ({type(exc).__name__}): {exc} (set OPENCLAW_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return EXIT_FAILED


def entrypoint() -> None:
    coldstart.pause()  # see openclaw.coldstart: the engine turns the collector back on once it is open
    code = main()
    coldstart.at_exit()
    sys.exit(code)


if __name__ == "__main__":
    entrypoint()
