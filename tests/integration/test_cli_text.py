"""Help and text a new user reads, through main().

Covers: `reject --help` offers no --apply (and `reject --apply` is a usage error) while
`approve --help` does; `runs list --status X` with no match names the status, not "no runs
recorded"; a run recorded from a rejected input shows no incident "None" in its timeline
or in the runs table; no --help text (of any command or verb) shows reST markup.
"""

from __future__ import annotations

import pytest

from openclaw.cli.main import main


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_reject_offers_no_apply(capsys):
    with pytest.raises(SystemExit):
        main(["reject", "--help"])
    assert "--apply" not in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["approve", "--help"])
    assert "--apply" in capsys.readouterr().out
    code, _, err = cli(capsys, "reject", "run-x", "--key", "k", "--reason", "no", "--apply")
    assert code == 2 and "unrecognized arguments: --apply" in err


def test_runs_list_with_a_status_that_matches_nothing_names_it(tmp_path, capsys, clean_environ):
    (tmp_path / "i.json").write_text('{"description": "check if the api pods are running"}')
    assert cli(capsys, "run", str(tmp_path / "i.json"))[0] == 0
    code, out, _ = cli(capsys, "runs", "list", "--status", "expired")
    assert code == 0 and out == f"no runs with status expired in {clean_environ / 'openclaw.db'}\n"
    assert "completed" in cli(capsys, "runs", "list", "--status", "completed")[1]


def test_a_rejected_input_shows_no_incident_none(tmp_path, capsys):
    (tmp_path / "bad.json").write_text("{not json")
    code, out, err = cli(capsys, "run", str(tmp_path / "bad.json"))
    assert code == 2 and "None" not in out and "incident - (input rejected before it had an id)" in out
    code, out, _ = cli(capsys, "runs", "list")
    assert code == 0 and "None" not in out and "failed" in out


def _parsers(parser, name="openclaw"):
    import argparse

    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for verb, child in action.choices.items():
                yield from _parsers(child, f"{name} {verb}")


def test_no_help_text_shows_rest_markup():
    import re

    from openclaw.cli.main import build_parser

    raw = [name for name, p in _parsers(build_parser())
           if re.search(r"``|:(mod|func|class|meth|data|attr):`", p.format_help())]
    assert raw == []
