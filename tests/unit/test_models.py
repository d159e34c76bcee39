"""Models and validation: incidents (object, list, Alertmanager v4), tool arguments, names, run status.

Covers: required description, unknown fields refused, defaults (id, namespace), severity and
source enums, size limits; Alertmanager firing/resolved split and label mapping; the six tool
schemas with the contract's enums and bounds; RFC 1123 names refusing case, whitespace, look-alikes
and shell metacharacters; run status precedence.
"""

from __future__ import annotations

import pytest

from openclaw.errors import InputError
from openclaw.models.incident import DEFAULT_NAMESPACE, Incident, load_incidents, parse_incident
from openclaw.models.names import label_problem, subdomain_problem
from openclaw.models.run import run_status
from openclaw.models.tools import TOOLS, ToolArgumentsError, openai_tool_schemas, validate_tool_args


def test_minimal_incident_gets_id_and_default_namespace():
    inc = parse_incident({"description": "restart awoooi-api"})
    assert inc.id.startswith("inc-")
    assert inc.effective_namespace == DEFAULT_NAMESPACE == "awoooi-prod"
    assert inc.source == "manual"


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({}, "description"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "blank"),
        ({"description": "x", "colour": "red"}, "colour: unknown field"),
        ({"description": "x", "severity": "sev1"}, "severity"),
        ({"description": "x", "source": "email"}, "source"),
        ({"description": "x", "namespace": "KUBE-SYSTEM"}, "upper-case"),
        ({"description": "x", "namespace": "prod "}, "whitespace"),
        ({"description": "x", "id": "has space"}, "id"),
        ({"description": "x" * 40_000}, "description"),
        ({"description": "x", "labels": {"a": 1}}, "labels"),
        ({"description": "x", "created_at": "yesterday"}, "created_at"),
    ],
)
def test_invalid_incidents_are_refused_with_one_line(data, fragment):
    with pytest.raises(InputError) as err:
        parse_incident(data)
    message = str(err.value)
    assert fragment in message
    assert "\n" not in message


def test_incident_must_be_object():
    with pytest.raises(InputError, match="JSON object"):
        parse_incident(["not", "an", "object"])


def test_list_of_incidents_keeps_rejects():
    loaded = load_incidents([{"description": "a"}, {"id": "bad-1", "nope": 1}, {"description": "b"}])
    assert [i.description for i in loaded.incidents] == ["a", "b"]
    assert len(loaded.rejected) == 1 and loaded.rejected[0].incident_id == "bad-1"


def test_empty_list_is_bad_input():
    with pytest.raises(InputError, match="empty list"):
        load_incidents([])


def _alertmanager(*alerts, **extra):
    return {"version": "4", "status": "firing", "receiver": "openclaw", "groupKey": "{}:{}",
            "commonLabels": {"cluster": "prod-1"}, "commonAnnotations": {}, "alerts": list(alerts), **extra}


def test_alertmanager_one_incident_per_firing_alert():
    payload = _alertmanager(
        {"status": "firing", "labels": {"alertname": "KubePodCrashLooping", "namespace": "awoooi-prod",
                                         "deployment": "awoooi-worker", "severity": "critical"},
         "annotations": {"summary": "worker crash looping", "description": "Pod awoooi-worker-1 is crash looping"},
         "startsAt": "2026-11-21T10:00:00Z", "fingerprint": "abc123"},
        {"status": "resolved", "labels": {"alertname": "HighLatency"}, "annotations": {}, "fingerprint": "def"},
        {"status": "firing", "labels": {"alertname": "Heartbeat", "severity": "none"}, "annotations": {},
         "fingerprint": "zzz"},
    )
    loaded = load_incidents(payload)
    assert len(loaded.incidents) == 2
    first = loaded.incidents[0]
    assert first.id == "am-abc123-1795255200"
    assert first.source == "alertmanager"
    assert first.severity == "critical"
    assert first.namespace == "awoooi-prod"
    assert first.labels["deployment"] == "awoooi-worker" and first.labels["cluster"] == "prod-1"
    assert first.description == "Pod awoooi-worker-1 is crash looping"
    assert loaded.incidents[1].severity == "info" and loaded.incidents[1].description == "Heartbeat"
    assert [r["id"] for r in loaded.resolved] == ["am-def"]


def test_alertmanager_wrong_version_is_refused():
    with pytest.raises(InputError, match="version"):
        load_incidents(_alertmanager(version="3"))


def test_alertmanager_bad_namespace_label_is_a_reject_not_a_crash():
    payload = _alertmanager({"status": "firing", "labels": {"alertname": "X", "namespace": "Bad_NS"},
                             "annotations": {}, "fingerprint": "f1"})
    loaded = load_incidents(payload)
    assert not loaded.incidents and loaded.rejected[0].incident_id == "am-f1"


def test_tool_schemas_match_the_contract():
    schemas = {s["function"]["name"]: s["function"]["parameters"] for s in openai_tool_schemas()}
    assert set(schemas) == {"kubectl_get", "restart_deployment", "scale_deployment", "get_logs", "send_alert",
                            "kubectl_execute"}
    # Pods, deployments, services, nodes and events first, then the evidence kinds added (alert-aware reads).
    assert schemas["kubectl_get"]["properties"]["resource"]["enum"] == [
        "pods", "deployments", "services", "nodes", "events", "statefulsets", "daemonsets", "replicasets", "jobs",
        "horizontalpodautoscalers", "persistentvolumeclaims", "persistentvolumes", "resourcequotas"]
    assert schemas["get_logs"]["properties"]["previous"] == {
        "type": "boolean", "description": "Logs of the previous, terminated instance of the container (kubectl logs -p)"}
    assert schemas["scale_deployment"]["properties"]["replicas"] == {"type": "integer", "minimum": 0, "maximum": 10}
    assert schemas["send_alert"]["properties"]["severity"]["enum"] == ["info", "warning", "critical"]
    assert schemas["restart_deployment"]["required"] == ["deployment", "namespace"]
    assert schemas["get_logs"]["required"] == ["pod", "namespace"]
    assert schemas["kubectl_execute"]["required"] == ["command"]
    assert {n for n, t in TOOLS.items() if not t.mutating} == {"kubectl_get", "get_logs", "send_alert"}


@pytest.mark.parametrize(
    "name, args",
    [
        ("kubectl_get", {"resource": "pods"}),
        ("kubectl_get", {"resource": "events", "namespace": "awoooi-prod", "name": "awoooi-api"}),
        ("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-prod"}),
        ("scale_deployment", {"deployment": "web.v2", "namespace": "staging", "replicas": 0}),
        ("scale_deployment", {"deployment": "web", "namespace": "staging", "replicas": 10}),
        ("get_logs", {"pod": "awoooi-api-7d9f-x2", "namespace": "awoooi-prod", "tail": 50, "container": "api"}),
        ("send_alert", {"severity": "critical", "message": "DB down", "incident_id": "INC-1"}),
        ("kubectl_execute", {"command": "get pods -n awoooi-prod"}),
    ],
)
def test_valid_tool_arguments(name, args):
    assert validate_tool_args(name, args).model_dump(exclude_none=True) == args


@pytest.mark.parametrize(
    "name, args, fragment",
    [
        ("delete_namespace", {"name": "x"}, "unknown tool"),
        ("kubectl_get", {"resource": "secrets"}, "resource"),
        ("kubectl_get", {"resource": "pods", "verbose": True}, "verbose: unknown field"),
        ("scale_deployment", {"deployment": "web", "namespace": "ns", "replicas": 11}, "replicas"),
        ("scale_deployment", {"deployment": "web", "namespace": "ns", "replicas": -1}, "replicas"),
        ("scale_deployment", {"deployment": "web", "namespace": "ns", "replicas": "3"}, "replicas"),
        ("scale_deployment", {"deployment": "web", "namespace": "ns", "replicas": True}, "replicas"),
        ("restart_deployment", {"deployment": "$(rm -rf /)", "namespace": "ns"}, "'$'"),
        ("restart_deployment", {"deployment": "api;reboot", "namespace": "ns"}, "';'"),
        ("restart_deployment", {"deployment": "awoooi-api", "namespace": "KUBE-SYSTEM"}, "upper-case"),
        ("restart_deployment", {"deployment": "awoooi-api ", "namespace": "ns"}, "whitespace"),
        ("restart_deployment", {"deployment": "аpi", "namespace": "ns"}, "U+0430"),
        ("restart_deployment", {"deployment": "-api", "namespace": "ns"}, "start and end"),
        ("restart_deployment", {"deployment": "api"}, "namespace"),
        ("get_logs", {"pod": "p", "namespace": "ns", "tail": 0}, "tail"),
        ("send_alert", {"severity": "sev1", "message": "x"}, "severity"),
        ("send_alert", {"severity": "info", "message": ""}, "message"),
        ("kubectl_get", "pods", "JSON object"),
    ],
)
def test_invalid_tool_arguments(name, args, fragment):
    with pytest.raises(ToolArgumentsError) as err:
        validate_tool_args(name, args)
    assert fragment in str(err.value)


def test_name_limits():
    assert label_problem("a" * 63) is None
    assert "63" in label_problem("a" * 64)
    assert subdomain_problem("a." * 100 + "b") is None
    assert subdomain_problem("") == "must not be empty"


@pytest.mark.parametrize(
    "statuses, expected",
    [
        ([], "completed"),
        (["executed", "planned"], "completed"),
        (["planned", "denied"], "denied"),
        (["awaiting_approval", "denied"], "awaiting_approval"),
        (["executed", "failed"], "failed"),
        (["rejected", "planned"], "rejected"),
        (["expired"], "expired"),
    ],
)
def test_run_status_precedence(statuses, expected):
    assert run_status(statuses) == expected


def test_incident_text_joins_title_and_description():
    inc = Incident(title="API down", description="restart awoooi-api please")
    assert inc.text == "API down\nrestart awoooi-api please"
    assert Incident(title="restart", description="restart awoooi-api").text == "restart awoooi-api"
