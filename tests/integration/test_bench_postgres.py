"""``openclaw bench pipeline --store postgres``.

Covers, on few incidents (figures are printed, never judged here): the output shape (text and --json);
both stores were used (the SQLite home and the throwaway PostgreSQL database each held every incident's
run, warm-up included); the throwaway database is gone afterwards; an unreachable server is one line and
exit code 1; ``--store sqlite`` keeps today's report.
"""

from __future__ import annotations

import json

import psycopg
import pytest

from openclaw.cli.main import main
from openclaw.testing.postgres import base_url, postgres_url_or_skip, services_required

# Read at import: the autouse clean_environ fixture scrubs OPENCLAW_* before a test runs.
POSTGRES_BASE_URL = base_url()
REQUIRE_SERVICES = services_required()
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/postgres"


@pytest.fixture
def server() -> str:
    return postgres_url_or_skip(POSTGRES_BASE_URL, required=REQUIRE_SERVICES)


def _bench_databases(url: str) -> set[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'openclaw_bench%'").fetchall()
    return {name for (name,) in rows}


def test_pipeline_on_both_stores_reports_each_and_the_ratio(server: str, capsys: pytest.CaptureFixture) -> None:
    before = _bench_databases(server)
    assert main(["bench", "pipeline", "--store", "postgres", "--incidents", "5", "--database-url", server,
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"incidents", "store", "sqlite_ms", "postgres_ms", "sqlite_p95_ms", "postgres_p95_ms",
                           "ratio", "target_ratio", "runs"}
    assert (report["incidents"], report["store"], report["target_ratio"]) == (5, "postgres", 1.5)
    assert report["runs"] == {"sqlite": 5 + 10, "postgres": 5 + 10}  # every incident ran on each store (10 warm-up)
    assert report["sqlite_ms"] > 0 and report["postgres_ms"] > 0
    assert report["ratio"] == pytest.approx(report["postgres_ms"] / report["sqlite_ms"], rel=0.01)
    assert _bench_databases(server) == before  # the throwaway database was dropped

    assert main(["bench", "pipeline", "--store", "postgres", "--incidents", "2", "--database-url", server]) == 0
    out = capsys.readouterr().out
    assert "sqlite:" in out and "postgres:" in out and "postgres / sqlite =" in out and "(target 1.5)" in out


def test_pipeline_default_store_keeps_its_report(capsys: pytest.CaptureFixture) -> None:
    assert main(["bench", "pipeline", "--incidents", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"incidents", "openclaw_ms", "baseline_ms", "ratio", "openclaw_p95_ms", "baseline_p95_ms"}


@pytest.mark.parametrize("argv", [
    ["bench", "pipeline", "--store", "postgres", "--incidents", "2", "--database-url", UNREACHABLE],
], ids=["pipeline"])
def test_an_unreachable_server_is_one_line(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "does not answer" in err and "Traceback" not in err
