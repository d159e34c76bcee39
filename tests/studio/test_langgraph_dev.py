"""``langgraph dev`` (langgraph-cli[inmem]) serves the pipeline from langgraph.json, as LangGraph Studio uses it.

The in-memory server runs in a subprocess on 127.0.0.1 (the ``studio`` fixture of
tests/studio/conftest.py: bounded, blocking-call detector on) on the embedded defaults
(rules provider, plan mode) with its own ``OPENCLAW_HOME``.

Covers: the input and output schemas render (typing_extensions.TypedDict); a run started
through the HTTP API with no context (as Studio does) gets the context built from the
environment and goes to the end: a read (run id defaulted from the thread), and a mutation
that passes trust's history and audit and execute's history without a blocking SQLite call
on the loop; an Alertmanager alert gathers evidence before it decides; a run that needs
approval pauses at the gate (interrupt) with its digest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openclaw.models.incident import incidents_from_alertmanager

CASES = Path(__file__).resolve().parents[1] / "alerts" / "cases"


def test_schemas_render(studio: Any) -> None:
    client = studio.client
    [assistant] = client.post("/assistants/search", json={"graph_id": "decision_pipeline"}).json()
    schemas = client.get(f"/assistants/{assistant['assistant_id']}/schemas").json()
    assert {"run_id", "incident", "actions", "status"} <= set(schemas["input_schema"]["properties"])
    assert {"decision", "actions", "status"} <= set(schemas["output_schema"]["properties"])


def test_an_incident_runs_to_the_end(studio: Any) -> None:
    thread, read = studio.run({"description": "show me all pods in awoooi-prod"})
    assert "__error__" not in read, read
    assert read["run_id"] == f"run-{thread}", "accept names the run after the thread"
    assert read["status"] == "completed"
    assert [(a["name"], a["verdict"], a["status"]) for a in read["actions"]] == [("kubectl_get", "auto", "planned")]

    _, mutation = studio.run({"description": "restart the awoooi-api deployment in awoooi-staging"},
                             run_id="run-studio-restart")
    assert "__error__" not in mutation, mutation
    assert mutation["run_id"] == "run-studio-restart"
    assert mutation["status"] == "completed"
    assert [(a["name"], a["verdict"], a["status"]) for a in mutation["actions"]] == [
        ("restart_deployment", "auto", "planned")]
    assert "BlockingError" not in studio.log.read_text(errors="replace")


def test_an_alert_gathers_evidence_then_decides(studio: Any) -> None:
    payload = json.loads((CASES / "001-kubepodcrashlooping.json").read_text())["payload"]
    [incident] = incidents_from_alertmanager(payload).incidents
    _, done = studio.run(incident.model_dump(mode="json"))
    assert "__error__" not in done, done
    assert done["status"] in ("completed", "awaiting_approval")
    assert done["evidence"], "the reads made before the decision are in the state"
    assert "BlockingError" not in studio.log.read_text(errors="replace")


def test_a_run_that_needs_approval_pauses_at_the_gate(studio: Any) -> None:
    _, waiting = studio.run({"description": "restart the awoooi-api deployment in awoooi-prod"})
    assert "__error__" not in waiting, waiting
    [action] = waiting["actions"]
    assert (action["verdict"], action["status"]) == ("approval", "awaiting_approval")
    [interrupt] = waiting["__interrupt__"]
    assert interrupt["value"]["pending"][0]["digest"] == action["digest"]
