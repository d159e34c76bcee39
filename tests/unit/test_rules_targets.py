"""openclaw.providers.rules: which object and which namespace a request acts on (issue-2 audit).

Covers: a namespace written before its workload ("awoooi-prod 的 web", "awoooi-staging 裡的 billing",
"awoooi-prod's web") in Traditional and Simplified Chinese and English; a bare "in X" at the
end of a clause read as a namespace only when the clause already names a workload, and never
for states, regions, numbers or plain English ("in parallel"); names kept as written there too;
status words and adjectives never taken as names ("are the nodes healthy?"); missed scale forms
("bring X down to zero replicas", "set replicas of X to 0"); "stop X" / "shut down X" as a scale to
zero, only as a command with a workload as its object; lists ("restart api and worker",
"重啟 api 和 worker") giving one call per workload; "ring / buzz / wake up the on-call" as an alert.
The incident namespace is ``team-dev`` throughout, so a namespace taken from the text shows.
"""

from __future__ import annotations

from typing import Any

import pytest

from openclaw.models.tools import ToolArgumentsError, validate_tool_args
from openclaw.providers.rules import ExtractionContext, ProposedCall, classify_intent, extract_tool_calls

DEV = "team-dev"
Expected = list[tuple[str, dict[str, Any]]]


def calls_of(text: str) -> list[ProposedCall]:
    return extract_tool_calls(text, ExtractionContext(default_namespace=DEV))


def assert_calls(calls: list[ProposedCall], expected: Expected) -> None:
    """Same tools in the same order; every expected argument equal (None: the argument is absent)."""
    assert [c.name for c in calls] == [name for name, _ in expected], calls
    for call, (_, args) in zip(calls, expected):
        for key, value in args.items():
            assert call.args.get(key) == value, (key, call.args)


def restart(deployment: str, namespace: str = DEV) -> tuple[str, dict[str, Any]]:
    return ("restart_deployment", {"deployment": deployment, "namespace": namespace})


def scale(deployment: str, replicas: int, namespace: str = DEV) -> tuple[str, dict[str, Any]]:
    return ("scale_deployment", {"deployment": deployment, "replicas": replicas, "namespace": namespace})


NAMESPACE_BEFORE_WORKLOAD: list[tuple[str, Expected]] = [
    ("把 awoooi-prod 的 web 擴展到 3 個副本", [scale("web", 3, "awoooi-prod")]),
    ("把 awoooi-prod 的 web 扩展到三个副本", [scale("web", 3, "awoooi-prod")]),
    ("把 awoooi-staging 下的 billing 扩容到 2 个副本", [scale("billing", 2, "awoooi-staging")]),
    ("重啟 awoooi-staging 裡的 billing", [restart("billing", "awoooi-staging")]),
    ("重启 awoooi-staging 里的 billing", [restart("billing", "awoooi-staging")]),
    ("请重启 awoooi-staging 里面的 checkout", [restart("checkout", "awoooi-staging")]),
    ("awoooi-prod 中的 web 重启一下", [restart("web", "awoooi-prod")]),
    ("重啟 finance 裡的 billing", [restart("billing", "finance")]),
    ("查看 awoooi-prod 的 web 日誌", [("get_logs", {"pod": "web", "namespace": "awoooi-prod"})]),
    ("查看 awoooi-prod 的 web-7d9f8c6b5-x2x9q 日誌",
     [("get_logs", {"pod": "web-7d9f8c6b5-x2x9q", "namespace": "awoooi-prod"})]),
    ("看一下 awoooi-staging 里的 awoooi-api-abc12 的日志，最后 30 行",
     [("get_logs", {"pod": "awoooi-api-abc12", "namespace": "awoooi-staging", "tail": 30})]),
    ("列出 awoooi-staging 的所有 pod", [("kubectl_get", {"resource": "pods", "namespace": "awoooi-staging"})]),
    ("列出 team-a 裡的部署", [("kubectl_get", {"resource": "deployments", "namespace": "team-a"})]),
    ("restart awoooi-prod's web", [restart("web", "awoooi-prod")]),
    ("awoooi-prod's web restart please", [restart("web", "awoooi-prod")]),
    ("scale awoooi-staging\u2019s worker to 2", [scale("worker", 2, "awoooi-staging")]),
    # Names as written: validation downstream refuses them.
    ("把 KUBE-SYSTEM 的 coredns 重啟", [restart("coredns", "KUBE-SYSTEM")]),
    ("重啟 awoooi-prod 的 Billing", [restart("Billing", "awoooi-prod")]),
]
BARE_IN: list[tuple[str, Expected]] = [
    ("restart web in awoooi-prod", [restart("web", "awoooi-prod")]),
    ("restart the billing service in finance", [restart("billing", "finance")]),
    ("restart the billing service in finance.", [restart("billing", "finance")]),
    ("restart billing in team-a", [restart("billing", "team-a")]),
    ("restart the worker in finance, it is crashing", [restart("worker", "finance")]),
    ("scale web to 3 in finance please", [scale("web", 3, "finance")]),
    ("show pods in finance", [("kubectl_get", {"resource": "pods", "namespace": "finance"})]),
    ("what's running in finance?", [("kubectl_get", {"resource": "pods", "namespace": "finance"})]),
    ("restart the billing service in fin\u0430nce", [restart("billing", "fin\u0430nce")]),
]
NAMESPACE_STAYS_DEFAULT: list[tuple[str, Expected]] = [
    # A workload's attribute, container or pod after 的 / 's does not make the workload a namespace.
    ("查看 awoooi-api 的 pods", [("kubectl_get", {"resource": "pods", "namespace": DEV})]),
    ("查看 awoooi-api 的 awoooi-api-7d9f8c6b5-x2x9q 日誌",
     [("get_logs", {"pod": "awoooi-api-7d9f8c6b5-x2x9q", "namespace": DEV})]),
    ("awoooi-api 的 sidecar 容器一直重啟", [restart("awoooi-api")]),
    ("the customer's checkout is failing, restart it", [restart("checkout")]),
    # "in X" that is not a namespace.
    ("restart api in parallel.", [restart("api")]),
    ("restart awoooi-api in us-east-1", [restart("awoooi-api")]),
    ("restart api in 5 minutes", [restart("api")]),
    ("restart worker in a bit.", [restart("worker")]),
    ("awoooi-api keeps crashing in CrashLoopBackOff, can you handle it", [restart("awoooi-api")]),
    ("errors in checkout, restart awoooi-api", [restart("awoooi-api")]),
    ("restart the pods in awoooi-web", [restart("awoooi-web")]),
    ("restart awoooi-api in awoooi-web.", [restart("awoooi-api")]),
]
NO_INVENTED_NAMES: list[tuple[str, Expected]] = [
    ("are the nodes healthy?", [("kubectl_get", {"resource": "nodes", "name": None})]),
    ("are the nodes ready?", [("kubectl_get", {"resource": "nodes", "name": None})]),
    ("is the api deployment ok?", [("kubectl_get", {"resource": "deployments", "name": "api"})]),
    ("is the checkout service okay?", [("kubectl_get", {"resource": "services", "name": "checkout"})]),
    ("is the worker deployment alive?", [("kubectl_get", {"resource": "deployments", "name": "worker"})]),
    ("are the api pods up?", [("kubectl_get", {"resource": "pods", "name": None})]),
    ("are the pods running?", [("kubectl_get", {"resource": "pods", "name": None})]),
    ("the nodes look fine", []),
    ("restart today's deploy", []),  # never the "s" of "today's"
    ("is the api deployment fine?", [("kubectl_get", {"resource": "deployments", "name": "api"})]),
    ("is deployment awoooi-web ready", [("kubectl_get", {"resource": "deployments", "name": "awoooi-web"})]),
]
MISSED_FORMS: list[tuple[str, Expected]] = [
    ("bring catalog down to zero replicas", [scale("catalog", 0)]),
    ("bring catalog down to 0", [scale("catalog", 0)]),
    ("bring catalog up to 4", [scale("catalog", 4)]),
    ("take the worker down to 1 replica", [scale("worker", 1)]),
    ("set replicas of catalog to 0", [scale("catalog", 0)]),
    ("set the replica count of catalog to 2", [scale("catalog", 2)]),
    ("set number of replicas for catalog to 5", [scale("catalog", 5)]),
    ("set catalog replicas to 4", [scale("catalog", 4)]),
    ("scale catalog down to 1", [scale("catalog", 1)]),
    # "stop X" is a scale to zero (always sent for approval), only as a command naming a workload.
    ("stop the catalog deployment", [scale("catalog", 0)]),
    ("shut down catalog", [scale("catalog", 0)]),
    ("we need to stop the catalog deployment", [scale("catalog", 0)]),
    ("please shut down awoooi-worker now", [scale("awoooi-worker", 0)]),
    ("turn off the crawler", [scale("crawler", 0)]),
    ("take down catalog", [scale("catalog", 0)]),
    ("stop deployment/catalog", [scale("catalog", 0)]),
    ("stop catalog and search", [scale("catalog", 0), scale("search", 0)]),
    ("stop the alerts", []),
    ("please stop paging me", []),
    ("stop the bleeding", []),
    ("the api shut down unexpectedly", []),
    ("stop it", []),
    # One call per workload of a list.
    ("restart api and worker", [restart("api"), restart("worker")]),
    ("restart the api and the worker", [restart("api"), restart("worker")]),
    ("restart api and worker too", [restart("api"), restart("worker")]),
    ("restart api, worker and web", [restart("api"), restart("worker"), restart("web")]),
    ("restart billing, shipping and pricing", [restart("billing"), restart("shipping"), restart("pricing")]),
    ("restart the api deployment and the worker deployment", [restart("api"), restart("worker")]),
    ("重啟 api 和 worker", [restart("api"), restart("worker")]),
    ("重啟 api 跟 worker", [restart("api"), restart("worker")]),
    ("重启 api、worker 和 web", [restart("api"), restart("worker"), restart("web")]),
    ("把 awoooi-api 和 awoooi-web 重啟", [restart("awoooi-api"), restart("awoooi-web")]),
    ("重啟 awoooi-prod 裡的 web、api 跟 worker",
     [restart("web", "awoooi-prod"), restart("api", "awoooi-prod"), restart("worker", "awoooi-prod")]),
    ("把 awoooi-prod 的 web 和 api 重啟", [restart("web", "awoooi-prod"), restart("api", "awoooi-prod")]),
    ("scale api and worker to 3", [scale("api", 3), scale("worker", 3)]),
    ("scale api to 2 and worker to 3", [scale("api", 2), scale("worker", 3)]),
    ("scale api to 2 and billing to 3", [scale("api", 2), scale("billing", 3)]),
    ("restart api and worker in finance", [restart("api", "finance"), restart("worker", "finance")]),
    # Not lists.
    ("restart api and wait", [restart("api")]),
    ("restart api and let me know", [restart("api")]),
    ("restart api or worker", [restart("api")]),  # a choice, not both
    ("restart api, worker is fine", [restart("api")]),
    ("restart api and then scale web to 2", [restart("api"), scale("web", 2)]),
    # Ring / buzz / wake up the on-call.
    ("ring the on-call about the payments outage, it's critical",
     [("send_alert", {"severity": "critical", "message": "the payments outage, it's critical"})]),
    ("buzz the on-call, checkout is down", [("send_alert", {"message": "checkout is down"})]),
    ("wake up the on-call, payments are down", [("send_alert", {"message": "payments are down"})]),
    ("ring up the sre team", [("send_alert", {"severity": "warning"})]),
    ("call the sre team about INC-2026-7", [("send_alert", {"incident_id": "INC-2026-7"})]),
]
ALL = NAMESPACE_BEFORE_WORKLOAD + BARE_IN + NAMESPACE_STAYS_DEFAULT + NO_INVENTED_NAMES + MISSED_FORMS


@pytest.mark.parametrize(("text", "expected"), NAMESPACE_BEFORE_WORKLOAD, ids=[c[0] for c in NAMESPACE_BEFORE_WORKLOAD])
def test_namespace_written_before_its_workload(text: str, expected: Expected) -> None:
    assert_calls(calls_of(text), expected)


@pytest.mark.parametrize(("text", "expected"), BARE_IN, ids=[c[0] for c in BARE_IN])
def test_bare_in_names_the_namespace_of_a_named_workload(text: str, expected: Expected) -> None:
    assert_calls(calls_of(text), expected)


@pytest.mark.parametrize(("text", "expected"), NAMESPACE_STAYS_DEFAULT, ids=[c[0] for c in NAMESPACE_STAYS_DEFAULT])
def test_namespace_stays_the_default_when_the_text_names_none(text: str, expected: Expected) -> None:
    assert_calls(calls_of(text), expected)


@pytest.mark.parametrize(("text", "expected"), NO_INVENTED_NAMES, ids=[c[0] for c in NO_INVENTED_NAMES])
def test_status_words_are_never_names(text: str, expected: Expected) -> None:
    assert_calls(calls_of(text), expected)


@pytest.mark.parametrize(("text", "expected"), MISSED_FORMS, ids=[c[0] for c in MISSED_FORMS])
def test_scale_stop_lists_and_alerts(text: str, expected: Expected) -> None:
    assert_calls(calls_of(text), expected)


def test_namespaces_from_the_text_are_kept_as_written_so_validation_refuses_them() -> None:
    (call,) = calls_of("把 KUBE-SYSTEM 的 coredns 重啟")
    with pytest.raises(ToolArgumentsError, match="upper-case"):
        validate_tool_args(call.name, call.args)
    (call,) = calls_of("restart the billing service in fin\u0430nce")
    with pytest.raises(ToolArgumentsError, match="non-ASCII"):
        validate_tool_args(call.name, call.args)


def test_calls_from_these_texts_match_the_tool_schemas() -> None:
    for text, _ in ALL:
        if "KUBE" in text or "\u0430" in text or "Billing" in text:
            continue
        for call in calls_of(text):
            validate_tool_args(call.name, call.args)


@pytest.mark.parametrize(
    "text",
    ["awoooi-prod 的 " * 5_000, "awoooi-prod's " * 5_000, "restart a, " * 5_000, "restart a-1, b-2, c-3, d-4. " * 2_000,
     "in x. " * 9_000, "x's y " * 9_000, "重啟 a 和 " * 8_000, "stop " * 10_000, "bring a down to 1 " * 3_000],
    ids=["ns-of", "ns-possessive", "list", "many-lists", "bare-in", "possessive", "zh-list", "stop", "bring"],
)
def test_hostile_lists_and_links_stay_bounded(text: str) -> None:
    calls = calls_of(text)
    assert len(calls) <= 24


@pytest.mark.parametrize(
    "text",
    ["bring catalog down to zero replicas", "set replicas of catalog to 0", "stop the catalog deployment",
     "shut down catalog", "restart api and worker", "ring the on-call about the payments outage, it's critical",
     "把 awoooi-prod 的 web 擴展到 3 個副本", "重啟 awoooi-staging 裡的 billing"],
)
def test_these_requests_are_clear_tool_calls(text: str) -> None:
    guess = classify_intent(text)
    assert guess.task_type == "tool_calling" and guess.confidence >= 0.8, guess


def test_describing_a_shutdown_is_not_a_command() -> None:
    assert all(c.name != "scale_deployment" for c in calls_of("the api shut down unexpectedly, restart it"))
    assert all(c.name != "scale_deployment" for c in calls_of("the api won't stop crashing"))
