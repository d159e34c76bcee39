"""Policy tests as data, in the style of ``kyverno test``: a table of actions and the verdict each must get.

File format (YAML)::

    policy: ../../configs/trust.yaml     # optional, relative to this file (default: the config dir's;
                                         # `policy test --config-dir DIR` tests DIR's trust.yaml instead)
    tiers: {high: 2 from group sre}      # optional approvers.yaml tiers the quorums come from
    cases:
      - name: restart in production needs one approval
        action: {name: restart_deployment, args: {deployment: awoooi-api, namespace: awoooi-prod}}
        namespace: awoooi-prod           # optional default namespace (the incident's)
        facts: {source: manual, requested_by: alice}   # optional, see openclaw.trust.facts.Facts
        expect: {verdict: approval, approvals_required: 1, tier: standard, reason: production}

``expect`` keys: ``verdict`` (required), ``approvals_required``, ``tier``, ``group``,
``reason`` (a substring of one of the reasons), ``risk_min``/``risk_max`` (inclusive).
Run with ``openclaw policy test FILE...`` or from pytest (tests/unit/test_trust_policy_table.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openclaw.approvals.approvers import parse_approvers
from openclaw.config.trust import TrustPolicy, read_policy
from openclaw.errors import PolicyError
from openclaw.models.incident import DEFAULT_NAMESPACE
from openclaw.models.tools import describe_validation_error
from openclaw.trust.actions import propose
from openclaw.trust.engine import Verdict, evaluate
from openclaw.trust.facts import Facts


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseAction(_Strict):
    name: str
    args: Any = Field(default_factory=dict)


class CaseFacts(_Strict):
    source: Literal["manual", "alertmanager", "platform", "chat"] = "alertmanager"
    requested_by: str | None = None
    provider: str | None = "rules"
    failed_attempts: int = 0
    degraded: bool = False
    recent_actions: int = 0
    last_action_age_s: float | None = None
    current_replicas: int | None = None
    replicas_lookup_failed: bool = False
    suspicious: tuple[str, ...] = ()


class Expect(_Strict):
    verdict: Literal["auto", "approval", "deny"]
    approvals_required: int | None = None
    tier: str | None = None
    group: str | None = None
    reason: str | None = None
    risk_min: float | None = None
    risk_max: float | None = None


class Case(_Strict):
    name: str
    action: CaseAction
    namespace: str = DEFAULT_NAMESPACE
    facts: CaseFacts = CaseFacts()
    expect: Expect


class Table(_Strict):
    policy: str | None = None
    tiers: dict[str, Any] | None = None
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class CaseResult:
    name: str
    verdict: Verdict
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def load_table(path: Path) -> Table:
    try:
        return Table.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise PolicyError(f"cannot read policy test table {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path} is not valid YAML: {exc}") from None
    except ValidationError as exc:
        raise PolicyError(f"{path}: {describe_validation_error(exc)}") from None


def table_policy(path: Path | str, *, default_policy: Path | None = None, policy: Path | None = None) -> Path:
    """The trust.yaml the table at ``path`` is evaluated against: ``policy`` (a flag) wins over the
    table's own ``policy:``, which wins over ``default_policy`` (the config dir's)."""
    path = Path(path)
    if policy is not None:
        return Path(policy)
    table = load_table(path)
    chosen = (path.parent / table.policy) if table.policy else default_policy
    if chosen is None:
        raise PolicyError(f"{path}: no 'policy:' given and no default trust.yaml")
    return chosen


def run_table(path: Path | str, *, default_policy: Path | None = None, policy: Path | None = None) -> list[CaseResult]:
    """Evaluate every case of the table at ``path`` against :func:`table_policy`; PolicyError when the
    table or its policy is invalid."""
    path = Path(path)
    table = load_table(path)
    trust, _ = read_policy(table_policy(path, default_policy=default_policy, policy=policy))
    approvers = parse_approvers({"tiers": table.tiers}, source=f"{path}: tiers", check_quorum=False) if table.tiers else None
    return [_run_case(case, trust, approvers) for case in table.cases]


def _run_case(case: Case, policy: TrustPolicy, approvers: Any) -> CaseResult:
    proposed = propose(case.action.name, case.action.args, default_namespace=case.namespace)
    verdict = evaluate(proposed, policy, Facts(**case.facts.model_dump()), approvers=approvers)
    e, problems = case.expect, []
    if verdict.verdict != e.verdict:
        problems.append(f"verdict {verdict.verdict}, expected {e.verdict}")
    for key in ("approvals_required", "tier", "group"):
        wanted = getattr(e, key)
        if wanted is not None and getattr(verdict, key) != wanted:
            problems.append(f"{key} {getattr(verdict, key)!r}, expected {wanted!r}")
    if e.reason is not None and not any(e.reason in r for r in verdict.reasons):
        problems.append(f"no reason mentions {e.reason!r}")
    if e.risk_min is not None and verdict.risk < e.risk_min:
        problems.append(f"risk {verdict.risk:.2f} below {e.risk_min:.2f}")
    if e.risk_max is not None and verdict.risk > e.risk_max:
        problems.append(f"risk {verdict.risk:.2f} above {e.risk_max:.2f}")
    return CaseResult(case.name, verdict, problems)
