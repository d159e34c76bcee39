"""``bench serve --compare-workers|--compare-replicas`` in rounds: 1 process then N, again; each round's ratio
and their median (a load spike moves one round, not the figure). The processes are stood in for by a
function that returns the figures it is given; ``--rounds 0`` is a usage error."""

from __future__ import annotations

import asyncio

from openclaw.bench.serve import _compare
from openclaw.cli.main import main


def test_the_speedup_is_the_median_of_the_rounds():
    figures = iter([10.0, 19.0, 12.0, 12.0, 10.0, 20.0])  # round 2's one-process run met a lull elsewhere
    seen: list[int] = []

    async def run(n: int) -> dict:
        seen.append(n)
        return {"incidents_per_s": next(figures), "workers": n}

    report = asyncio.run(_compare(run, 2, rounds=3, incidents=7, concurrency=3))
    assert seen == [1, 2, 1, 2, 1, 2]
    assert [(r["round"], r["workers"]) for r in report["runs"]] == [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2)]
    assert report["speedups"] == [1.9, 1.0, 2.0]
    assert report["speedup"] == 1.9
    assert (report["rounds"], report["incidents"], report["concurrency"]) == (3, 7, 3)


def test_rounds_must_be_positive(capsys):
    assert main(["bench", "serve", "--compare-workers", "--rounds", "0"]) == 2
    assert "--rounds must be at least 1" in capsys.readouterr().err
