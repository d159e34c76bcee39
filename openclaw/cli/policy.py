"""``openclaw policy check`` and ``openclaw policy test``: validate and exercise the trust policy.

``check`` validates ``trust.yaml`` and ``approvers.yaml`` of the config dir and how they
fit together (each approval rule's tier, its quorum, the registered approvers), and the
alert catalog (``alerts.yaml`` with ``alerts.d/*.yaml`` merged over it). It prints
what it found; every problem goes to stderr as one line and the exit code is 2. Warnings
(e.g. nobody registered yet: runs that need approval will wait) keep exit code 0.

``test FILE...`` runs policy test tables (format: docs/approvals.md, "Policy test tables") against the
table's own ``policy:`` file, or the config dir's trust.yaml when it names none; with
``--config-dir DIR`` against DIR's trust.yaml whatever the table says. Each table's line
names the policy file and version it tested. Exit 0 when every case gets its expected
verdict, 1 when one does not, 2 when a table is invalid.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from openclaw.approvals.approvers import APPROVERS_FILE, load_approvers, quorum_problems
from openclaw.config.alerts import ALERTS_FILE, catalog_path, extension_files, load_alert_catalog
from openclaw.cli.output import add_output_option, emit, output_format
from openclaw.config.trust import TRUST_FILE, read_policy
from openclaw.errors import ConfigError, PolicyError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("policy", help=f"validate and test the trust policy ({TRUST_FILE}, {APPROVERS_FILE})")
    verbs = p.add_subparsers(dest="policy_command", metavar="VERB", required=True)
    check = verbs.add_parser("check",
                             help=f"validate {TRUST_FILE}, {APPROVERS_FILE} and {ALERTS_FILE} (exit 2 on a problem)",
                             description=_plain(__doc__.split("\n\n")[1]))
    check.add_argument("--config-dir", metavar="DIR", default=argparse.SUPPRESS, help="config directory")
    add_output_option(check)
    check.set_defaults(handler=_check, reads_config=True)
    test = verbs.add_parser("test", help="run policy test tables: actions and their expected verdicts",
                            description=_plain(__doc__.split("\n\n")[2]))
    test.add_argument("files", nargs="+", metavar="FILE", help="YAML tables (format: docs/approvals.md)")
    test.add_argument("--config-dir", metavar="DIR", default=argparse.SUPPRESS, help="config directory")
    test.set_defaults(handler=_test, reads_config=True)


def _plain(text: str) -> str:
    """The docstring's reST as terminal text: ``x`` and :role:`x` become `x`."""
    return re.sub(r"(?::\w+:)?`+([^`]+)`+", r"`\1`", text)


def _config_dir(args: argparse.Namespace) -> Path:
    from openclaw.settings import load_settings

    return load_settings(config_dir=getattr(args, "config_dir", None)).config_dir


def check_config_dir(config_dir: Path) -> tuple[list[str], list[str], list[str]]:
    """(info lines, warnings, problems) for the policy, approvers and alert catalog files of ``config_dir``."""
    info: list[str] = []
    warnings: list[str] = []
    problems: list[str] = []
    policy = None
    try:
        policy, _ = read_policy(config_dir / TRUST_FILE)
        info.append(f"{config_dir / TRUST_FILE}: policy version {policy.version}")
    except PolicyError as exc:
        problems.append(str(exc))
    approvers_file = config_dir / APPROVERS_FILE
    config = None
    if not approvers_file.exists():
        warnings.append(f"{approvers_file} does not exist: nobody can approve; runs that need approval will wait")
    else:
        try:
            config = load_approvers(approvers_file, check_quorum=False)
        except PolicyError as exc:
            problems.append(str(exc))
    if config is not None:
        problems += [f"{approvers_file}: {p}" for p in quorum_problems(config)]
        people = config.people()
        info.append(f"{approvers_file}: {len(config.approvers)} key(s) of {len(people)} approver(s), "
                    f"veto threshold {config.veto_threshold}")
        if not people:
            warnings.append(f"no approvers registered in {approvers_file}: runs that need approval will wait; "
                            "add one with `openclaw approvers add NAME --public-key FILE --group sre`")
    if policy is not None:
        for key, rule in policy.approval_rules().items():
            tier = config.tiers.get(rule.tier) if config is not None else None
            if tier is not None:
                scope = f"group {tier.group}" if tier.group else "any approver"
                info.append(f"approvals.{key}: tier {rule.tier} = {tier.quorum} from {scope} (approvers.yaml)")
                continue
            info.append(f"approvals.{key}: tier {rule.tier} not in {APPROVERS_FILE}: {rule.count} from any approver")
            people = config.people() if config is not None else []
            if people and rule.count > len(people):
                problems.append(
                    f"approvals.{key} needs {rule.count} approvals (tier {rule.tier} is not defined in "
                    f"{APPROVERS_FILE}) but only {len(people)} approver(s) are registered; register more or define "
                    f"the tier, e.g. '{rule.tier}: {len(people)} from group sre'"
                )
    try:
        catalog = load_alert_catalog(config_dir)
    except ConfigError as exc:
        problems.append(str(exc))
    else:
        merged = len(extension_files(config_dir))
        info.append(f"{catalog_path(config_dir)}: alert catalog version {catalog.version}, {len(catalog.alerts)} alerts"
                    + (f" ({merged} file(s) of alerts.d/ merged over it)" if merged else ""))
    return info, warnings, problems


def _check(args: argparse.Namespace) -> int:
    from openclaw.settings import load_settings

    settings = load_settings(config_dir=getattr(args, "config_dir", None))
    info, warnings, problems = check_config_dir(settings.config_dir)
    if output_format(args):
        emit({"config_dir": str(settings.config_dir), "config_source": settings.config_source, "ok": not problems,
              "info": info, "warnings": warnings, "problems": problems}, output_format(args))
        return EXIT_USAGE if problems else EXIT_OK
    for line in info:
        print(line)
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    for line in problems:
        print(f"openclaw: error: {line}", file=sys.stderr)
    if problems:
        return EXIT_USAGE
    print("policy ok")
    return EXIT_OK


def _test(args: argparse.Namespace) -> int:
    from openclaw.trust.table import load_table, run_table, table_policy

    default_policy = _config_dir(args) / TRUST_FILE
    flag = default_policy if getattr(args, "config_dir", None) else None  # the flag wins over a table's policy:
    failed = total = 0
    for file in args.files:
        policy_file = table_policy(Path(file), default_policy=default_policy, policy=flag)
        version = read_policy(policy_file)[0].version
        own = load_table(Path(file)).policy
        note = f" (--config-dir overrides the table's policy: {own})" if flag is not None and own else ""
        print(f"{file}: policy {os.path.normpath(policy_file)} version {version}{note}")
        for result in run_table(Path(file), default_policy=default_policy, policy=flag):
            total += 1
            if result.ok:
                print(f"pass  {result.name}")
            else:
                failed += 1
                print(f"FAIL  {result.name}: {'; '.join(result.problems)}")
    print(f"{total - failed} of {total} case(s) passed")
    return EXIT_FAILED if failed else EXIT_OK
