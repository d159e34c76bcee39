"""The docs point at things a user has.

Covers: every `openclaw run FILE` in the README and docs/ names a file of the repository
(the samples in examples/), not a placeholder such as incident.json; the README links
docs/contracts.md, which documents the incident, the run result, the CLI, the environment
and the exit codes; the README, docs/, the CLI, the server and the incident and run-result
models never send the reader to a file outside the project (shared/).
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
OWN = [*DOCS, *sorted((REPO / "openclaw" / "cli").glob("*.py")), *sorted((REPO / "openclaw" / "server").glob("*.py")),
       REPO / "openclaw" / "models" / "incident.py", REPO / "openclaw" / "models" / "run.py"]


def test_every_run_example_names_a_file_that_exists():
    seen = []
    for doc in DOCS:
        for path in re.findall(r"openclaw run ([\w./-]+\.json)", doc.read_text()):
            seen.append(path)
            assert (REPO / path).is_file(), f"{doc.name}: `openclaw run {path}`: no such file in the repository"
    assert "examples/demo.json" in seen and "examples/restart-api.json" in seen


def test_the_contract_is_in_the_projects_own_docs():
    contracts = (REPO / "docs" / "contracts.md").read_text()
    for heading in ("## Incident (input)", "## Run result (output)", "## Command line", "### Exit codes",
                    "## Environment", "## Config directory"):
        assert heading in contracts
    assert "(docs/contracts.md)" in (REPO / "README.md").read_text()


def test_nothing_points_outside_the_project():
    offenders = [str(p.relative_to(REPO)) for p in OWN if "shared/" in p.read_text()]
    assert offenders == []
