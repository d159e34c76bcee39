"""``openclaw bench pipeline --store postgres`` and ``openclaw bench serve --replicas N|--compare-replicas``.

Covers, on few incidents (figures are printed, never judged here): the output shape (text and --json);
both stores were used (the SQLite home and the throwaway PostgreSQL database each held every incident's
run, warm-up included); the replicas' database held every posted incident's run and every answer was a
run (no HTTP error); the throwaway databases are gone afterwards; an unreachable server is one line and
exit code 1; contradictory flags are usage errors (exit 2); ``--store sqlite`` keeps today's report.
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
    assert set(report) == {"incidents", "openclaw_ms", "baseline_ms", "ratio", "openclaw_p95_ms", "baseline_p95_ms",
                           "target_ratio", "same_saver_ms", "ratio_same_saver", "same_saver_p95_ms"}


def test_serve_compare_replicas_on_one_database(server: str, capsys: pytest.CaptureFixture) -> None:
    before = _bench_databases(server)
    assert main(["bench", "serve", "--compare-replicas", "--incidents", "5", "--concurrency", "2", "--rounds", "1",
                 "--database-url", server, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(r["round"], r["replicas"]) for r in report["runs"]] == [(1, 1), (1, 2)]
    for run in report["runs"]:
        assert run["transport"] == "replicas" and run["incidents"] == 5
        assert sum(run["statuses"].values()) == 5
        assert not [s for s in run["statuses"] if s.startswith("http_")], run["statuses"]
        assert run["runs_in_database"] == 5 + 2 * 2  # every incident recorded in PostgreSQL (warm-up: 2 x concurrency)
        assert set(run["latency_ms"]) == {"p50", "p99"}
    assert report["speedups"] == [round(report["runs"][1]["incidents_per_s"] / report["runs"][0]["incidents_per_s"], 2)]
    assert report["speedup"] == report["speedups"][0]
    assert _bench_databases(server) == before


def test_serve_replicas_prints_one_line_per_replica_count(server: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["bench", "serve", "--replicas", "2", "--incidents", "4", "--concurrency", "2",
                 "--database-url", server]) == 0
    out = capsys.readouterr().out
    assert "round-robin over N `openclaw serve` replicas" in out
    assert "2 replicas" in out and "incidents/s" in out and "/ 1 replica" not in out


@pytest.mark.parametrize("argv", [
    ["bench", "pipeline", "--store", "postgres", "--incidents", "2", "--database-url", UNREACHABLE],
    ["bench", "serve", "--replicas", "2", "--incidents", "2", "--database-url", UNREACHABLE],
], ids=["pipeline", "serve"])
def test_an_unreachable_server_is_one_line(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "does not answer" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [
    ["bench", "serve", "--replicas", "0"],
    ["bench", "serve", "--replicas", "2", "--workers", "2"],
    ["bench", "serve", "--compare-replicas", "--compare-workers"],
    ["bench", "serve", "--database-url", UNREACHABLE],
    ["bench", "pipeline", "--database-url", UNREACHABLE],
], ids=["zero", "with-workers", "both-compares", "url-alone", "pipeline-url-without-postgres"])
def test_contradictory_flags_are_usage_errors(argv: list[str]) -> None:
    assert main(argv) == 2
