"""``openclaw bench pipeline``: the engine against the bare graph on LangGraph's stock SQLite saver and on the
engine's own checkpointer, alternating; the ratios are the medians' (no timing is asserted)."""

from __future__ import annotations

import json

import pytest

from openclaw.cli.main import main


def test_pipeline_reports_both_baselines_and_their_ratios(capsys):
    assert main(["bench", "pipeline", "--incidents", "4", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["incidents"] == 4
    for key in ("openclaw_ms", "baseline_ms", "same_saver_ms"):
        assert report[key] > 0
    # the ratios come from the unrounded medians, so they may differ from a ratio of the printed figures in the
    # last digit
    assert report["ratio"] == pytest.approx(report["openclaw_ms"] / report["baseline_ms"], abs=0.002)
    assert report["ratio_same_saver"] == pytest.approx(report["openclaw_ms"] / report["same_saver_ms"], abs=0.002)
    assert report["target_ratio"] == 1.2


def test_pipeline_prints_each_figure_for_people(capsys):
    assert main(["bench", "pipeline", "--incidents", "2"]) == 0
    out = capsys.readouterr().out
    assert "stock SQLite saver" in out and "same saver:" in out and "target 1.2" in out
