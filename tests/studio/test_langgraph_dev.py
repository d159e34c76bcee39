"""``langgraph dev`` (langgraph-cli[inmem]) serves the pipeline from langgraph.json, as LangGraph Studio uses it.

The in-memory server runs in a subprocess on 127.0.0.1 (the ``studio`` fixture of
tests/studio/conftest.py: bounded, blocking-call detector on) on the embedded defaults
(rules provider, plan mode) with its own ``OPENCLAW_HOME``.

Covers: the input and output schemas render (typing_extensions.TypedDict); a run started
through the HTTP API with no context (as Studio does) gets the context built from the
environment and goes to the end: a read, and a mutation that passes trust's history and
audit and execute's history without a blocking SQLite call on the loop; a run that needs
approval pauses at the gate (interrupt) with its digest.
"""

from __future__ import annotations

from typing import Any


def test_schemas_render(studio: Any) -> None:
    client = studio.client
    [assistant] = client.post("/assistants/search", json={"graph_id": "decision_pipeline"}).json()
    schemas = client.get(f"/assistants/{assistant['assistant_id']}/schemas").json()
    assert {"run_id", "incident", "actions", "status"} <= set(schemas["input_schema"]["properties"])
    assert {"decision", "actions", "status"} <= set(schemas["output_schema"]["properties"])


def test_an_incident_runs_to_the_end(studio: Any) -> None:
    _, read = studio.run("run-studio-read", "show me all pods in awoooi-prod")
    assert "__error__" not in read, read
    assert read["status"] == "completed"
    assert [(a["name"], a["verdict"], a["status"]) for a in read["actions"]] == [("kubectl_get", "auto", "planned")]

    _, mutation = studio.run("run-studio-restart", "restart the awoooi-api deployment in awoooi-staging")
    assert "__error__" not in mutation, mutation
    assert mutation["status"] == "completed"
    assert [(a["name"], a["verdict"], a["status"]) for a in mutation["actions"]] == [
        ("restart_deployment", "auto", "planned")]
    assert "BlockingError" not in studio.log.read_text(errors="replace")


def test_a_run_that_needs_approval_pauses_at_the_gate(studio: Any) -> None:
    _, waiting = studio.run("run-studio-prod", "restart the awoooi-api deployment in awoooi-prod")
    assert "__error__" not in waiting, waiting
    [action] = waiting["actions"]
    assert (action["verdict"], action["status"]) == ("approval", "awaiting_approval")
    [interrupt] = waiting["__interrupt__"]
    assert interrupt["value"]["pending"][0]["digest"] == action["digest"]
