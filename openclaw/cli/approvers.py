"""``openclaw approvers add|list [-o json|yaml]``: register approvers' public keys in ``approvers.yaml``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from openclaw.approvals.approvers import APPROVERS_FILE, add_approver, key_fingerprint, load_approvers, quorum_problems
from openclaw.approvals.keys import load_public_key
from openclaw.cli.output import add_output_option, emit, output_format
from openclaw.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``approvers`` noun and its verbs to the top-level sub-parsers."""
    p = sub.add_parser("approvers", help=f"manage who may sign approvals ({APPROVERS_FILE})")
    verbs = p.add_subparsers(dest="approvers_command", metavar="VERB", required=True)

    add = verbs.add_parser(
        "add",
        help="register an approver's public key",
        description=(
            f"Add NAME with the key in FILE to {APPROVERS_FILE} in your config dir: --config-dir or "
            "OPENCLAW_CONFIG_DIR, else OPENCLAW_HOME/configs, made from the shipped defaults on first use "
            "(the shipped configs/ are read-only and never written). "
            "A second key for an existing NAME counts as the same person and, without --group, "
            "inherits that person's groups. A key may be registered only once."
        ),
    )
    add.add_argument("name", metavar="NAME", help="approver name, the identity that signs (e.g. alice)")
    add.add_argument("--public-key", metavar="FILE", required=True, help="the NAME.pub written by `openclaw keys generate`")
    add.add_argument("--group", metavar="G", action="append", default=[], help="group membership; repeat for several")
    _config_dir_option(add)
    add.set_defaults(handler=_add)

    ls = verbs.add_parser("list", help="show registered approvers, key fingerprints and tiers")
    _config_dir_option(ls)
    add_output_option(ls)
    ls.set_defaults(handler=_list)


def _config_dir_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: do not overwrite a --config-dir given before the noun (argparse sub-parser defaults win).
    parser.add_argument("--config-dir", metavar="DIR", default=argparse.SUPPRESS,
                        help="config directory (default: OPENCLAW_CONFIG_DIR, else OPENCLAW_HOME/configs)")
    parser.set_defaults(reads_config=True)


def _config_dir(args: argparse.Namespace) -> Path:
    return load_settings(config_dir=getattr(args, "config_dir", None)).config_dir


def add_to_config_dir(config_dir: Path, name: str, public_key_file: Path | str, groups: list[str]) -> tuple[str, list[str]]:
    """Register the key in ``config_dir/approvers.yaml``; return (confirmation line, remaining quorum problems)."""
    path = Path(config_dir) / APPROVERS_FILE
    line = load_public_key(public_key_file)
    add_approver(path, name, line, groups)
    config = load_approvers(path, check_quorum=False)
    entry = config.find_by_key(line)
    assert entry is not None
    groups_text = ", ".join(entry.groups) or "no groups"
    message = f"registered {name} ({key_fingerprint(line)}; {groups_text}) in {path}"
    return message, quorum_problems(config)


def _add(args: argparse.Namespace) -> int:
    from openclaw.config.userdir import writable_config_dir

    settings = load_settings(config_dir=getattr(args, "config_dir", None))
    target, seeded = writable_config_dir(settings)
    if seeded:
        print(f"created {target} from the shipped defaults; commands now read their config there")
    message, problems = add_to_config_dir(target, args.name, args.public_key, list(args.group))
    print(message)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    settings = load_settings(config_dir=getattr(args, "config_dir", None))
    path = settings.config_dir / APPROVERS_FILE
    config = load_approvers(path, check_quorum=False)
    if output_format(args):
        emit({
            "config_dir": str(settings.config_dir), "config_source": settings.config_source, "file": str(path),
            "approvers": [{"name": a.name, "fingerprint": a.fingerprint, "groups": list(a.groups),
                           "public_key": a.public_key} for a in config.approvers],
            "tiers": {name: {"quorum": t.quorum, "group": t.group} for name, t in config.tiers.items()},
            "veto_threshold": config.veto_threshold, "problems": quorum_problems(config),
        }, output_format(args))
        return 0
    if not config.approvers:
        print(f"no approvers in {path}; add one with `openclaw approvers add NAME --public-key FILE --group G`")
    for a in config.approvers:
        print(f"{a.name}\t{a.fingerprint}\t{','.join(a.groups) or '-'}")
    for name, tier in config.tiers.items():
        print(f"tier {name}: {tier.quorum} from {('group ' + tier.group) if tier.group else 'any approver'}")
    print(f"veto threshold: {config.veto_threshold}")
    for problem in quorum_problems(config):
        print(f"warning: {problem}", file=sys.stderr)
    return 0
