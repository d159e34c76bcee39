"""Policy tests as data (tests/policy/*.yaml, kyverno-test style): every case gets its expected verdict.

Covers: each case of each table, as its own test id; the table runner reports a wrong
verdict, a wrong quorum, a missing reason and a risk outside bounds (so the tables can
fail); an invalid table is a PolicyError naming the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw.errors import PolicyError
from openclaw.trust.table import load_table, run_table

TABLES = sorted((Path(__file__).resolve().parents[1] / "policy").glob("*.yaml"))
CASES = [(table, case.name) for table in TABLES for case in load_table(table).cases]


@pytest.fixture(scope="module")
def results():
    return {(table, r.name): r for table in TABLES for r in run_table(table)}


def test_there_are_tables():
    assert len(CASES) >= 25


@pytest.mark.parametrize("table,name", CASES, ids=[f"{t.stem}: {n}" for t, n in CASES])
def test_case(results, table, name):
    result = results[(table, name)]
    assert result.ok, f"{name}: {'; '.join(result.problems)} (reasons: {list(result.verdict.reasons)})"


def test_the_runner_reports_every_kind_of_mismatch(tmp_path):
    table = tmp_path / "t.yaml"
    table.write_text(f"""
policy: {Path(__file__).resolve().parents[2] / 'configs' / 'trust.yaml'}
cases:
  - name: wrong
    action: {{name: restart_deployment, args: {{deployment: a, namespace: awoooi-prod}}}}
    expect: {{verdict: auto, approvals_required: 3, tier: high, reason: nowhere, risk_max: 0.1}}
""")
    [result] = run_table(table)
    assert not result.ok and len(result.problems) == 5


def test_an_invalid_table_is_a_policy_error(tmp_path):
    table = tmp_path / "t.yaml"
    table.write_text("cases:\n  - name: x\n    action: {name: a}\n    expect: {verdict: maybe}\n")
    with pytest.raises(PolicyError, match="t.yaml"):
        run_table(table, default_policy=tmp_path / "trust.yaml")
