"""Progress on long commands: on a terminal only, never on a pipe or with --json.

Covers, through main() with stdout and stderr made terminals: `run` with a batch of
incidents, `replay --all` and `bench pipeline` draw a rich progress bar on stderr that
counts to the total; `run --json`, a single incident, and the same commands on pipes
(pytest's capture) write nothing to stderr.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from openclaw.cli.main import main

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.json"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def terminal(monkeypatch) -> tuple[Tty, Tty]:
    """Make stdout and stderr terminals (inside the test: pytest re-installs its capture after fixtures)."""
    out, err = Tty(), Tty()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    return out, err


def test_a_batch_shows_progress_on_a_terminal(monkeypatch):
    out, err = terminal(monkeypatch)
    assert main(["run", str(DEMO)]) == 0
    assert "incidents" in err.getvalue() and "4/4" in err.getvalue()
    assert "INC-2026-004" in out.getvalue()


def test_no_progress_with_json_or_for_one_incident(monkeypatch):
    _, err = terminal(monkeypatch)
    assert main(["run", str(DEMO), "--json"]) == 0
    assert main(["run", str(DEMO.parent / "restart-api.json"), "--rerun"]) == 0  # its id is in the demo too
    assert err.getvalue() == ""


def test_no_progress_on_a_pipe(capsys):
    assert main(["run", str(DEMO)]) == 0
    assert main(["replay", "--all"]) in (0, 1)
    assert capsys.readouterr().err == ""


def test_replay_all_shows_progress_on_a_terminal(monkeypatch):
    _, err = terminal(monkeypatch)
    assert main(["run", str(DEMO), "--json"]) == 0
    assert main(["replay", "--all"]) in (0, 1)
    assert "deciding recorded runs again" in err.getvalue() and "4/4" in err.getvalue()


def test_bench_pipeline_shows_progress_on_a_terminal(monkeypatch):
    _, err = terminal(monkeypatch)
    assert main(["bench", "pipeline", "--incidents", "2"]) == 0
    assert "bench pipeline" in err.getvalue() and "12/12" in err.getvalue()
