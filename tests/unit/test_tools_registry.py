"""openclaw.tools: the tool registry every other part reads.

Covers: every module of the package that declares a SPEC is registered under its name, and
TOOLS holds nothing else; each LLM schema is a well-formed JSON schema (object with typed
properties, required names that exist, only keywords the LLM wire accepts) and agrees with
its pydantic model (same properties, same required, same enums and bounds);
validate_tool_args errors are one readable line; the re-exports in openclaw.models.tools
and openclaw.models.kubectl are the registry's objects; the derived sets (typed, Kubernetes,
mutating tools) and the trust engine's view (namespace filled for namespaced tools, action
class and target from the declaration; reads of every kind auto, also in kube-system, while
mutations there are denied); declared requests build the same call the planner sends.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import openclaw.tools
from openclaw.config.trust import read_policy
from openclaw.kube.plan import planned_calls
from openclaw.models import kubectl as models_kubectl
from openclaw.models import tools as models_tools
from openclaw.tools import KUBE_TOOLS, MUTATING_TOOLS, TOOLS, TYPED_TOOLS, ToolArgumentsError, validate_tool_args
from openclaw.tools.base import CallContext
from openclaw.tools.kinds import KINDS
from openclaw.trust.actions import propose
from openclaw.trust.engine import evaluate
from openclaw.trust.facts import Facts, action_class, target_of

REPO = Path(__file__).resolve().parents[2]
POLICY, _ = read_policy(REPO / "configs" / "trust.yaml")
SCHEMA_KEYWORDS = {"type", "properties", "required", "enum", "description", "minimum", "maximum"}
JSON_TYPES = {"string", "integer", "number", "boolean", "object", "array"}


def _tool_modules() -> dict[str, object]:
    out = {}
    for info in pkgutil.iter_modules(openclaw.tools.__path__):
        module = importlib.import_module(f"openclaw.tools.{info.name}")
        if hasattr(module, "SPEC"):
            out[info.name] = module
    return out


def test_every_tool_module_is_registered() -> None:
    modules = _tool_modules()
    assert set(modules) == {"kubectl_get", "get_logs", "restart_deployment", "scale_deployment", "send_alert",
                            "kubectl_execute"}
    assert {name: module.SPEC for name, module in modules.items()} == TOOLS  # module name == tool name


def test_derived_sets() -> None:
    assert TYPED_TOOLS == ("kubectl_get", "restart_deployment", "scale_deployment", "get_logs", "send_alert")
    assert set(KUBE_TOOLS) == {"kubectl_get", "restart_deployment", "scale_deployment", "get_logs",
                               "kubectl_execute"}
    assert set(MUTATING_TOOLS) == {"restart_deployment", "scale_deployment"}


@pytest.mark.parametrize("name", list(TOOLS))
def test_schemas_are_well_formed_and_match_the_models(name: str) -> None:
    spec = TOOLS[name]
    schema = spec.openai_schema()
    assert schema["type"] == "function" and schema["function"]["name"] == name
    assert schema["function"]["description"]
    params = schema["function"]["parameters"]
    assert params["type"] == "object" and set(params) <= SCHEMA_KEYWORDS
    assert set(params["required"]) <= set(params["properties"])
    for prop in params["properties"].values():
        assert set(prop) <= SCHEMA_KEYWORDS and prop["type"] in JSON_TYPES
        if "enum" in prop:
            assert prop["enum"] and len(set(prop["enum"])) == len(prop["enum"])
    model = spec.args_model.model_json_schema()
    assert set(model["properties"]) == set(params["properties"])
    assert set(model.get("required", [])) == set(params["required"])
    for key, prop in params["properties"].items():
        mine = model["properties"][key]
        options = mine.get("anyOf", [mine])
        if "enum" in prop:
            assert any(o.get("enum") == prop["enum"] for o in options), key
        for bound in ("minimum", "maximum"):
            if bound in prop:
                assert any(o.get(bound) == prop[bound] for o in options), key


def test_kubectl_get_enum_is_the_kinds_table() -> None:
    enum = TOOLS["kubectl_get"].parameters["properties"]["resource"]["enum"]
    assert enum == list(KINDS)
    for resource in enum:
        validate_tool_args("kubectl_get", {"resource": resource})


@pytest.mark.parametrize(("name", "args", "needle"), [
    ("nope", {}, "unknown tool 'nope'; known tools: kubectl_get"),
    ("kubectl_get", [], "arguments must be a JSON object, got list"),
    ("kubectl_get", {"resource": "secrets"}, "resource: Input should be"),
    ("kubectl_get", {"resource": "pods", "name": "Bad Name\nInjected"}, "name:"),
    ("get_logs", {"pod": "p", "namespace": "n", "previous": "yes"}, "previous: Input should be a valid boolean"),
    ("get_logs", {"pod": "p", "namespace": "n", "tail": 0, "extra": 1}, "extra: unknown field"),
    ("scale_deployment", {"deployment": "a", "namespace": "b", "replicas": 11}, "replicas:"),
    ("send_alert", {"severity": "loud", "message": ""}, "severity:"),
])
def test_validation_errors_are_one_line(name: str, args: object, needle: str) -> None:
    with pytest.raises(ToolArgumentsError) as info:
        validate_tool_args(name, args)
    message = str(info.value)
    assert needle in message and "\n" not in message and "pydantic" not in message


def test_models_modules_re_export_the_registry() -> None:
    assert models_tools.TOOLS is TOOLS and models_tools.validate_tool_args is validate_tool_args
    assert models_tools.ToolArgumentsError is ToolArgumentsError
    assert models_tools.MAX_REPLICAS == 10 and models_tools.MAX_LOG_TAIL == 5000
    assert models_tools.MAX_ALERT_CHARS == 3500 and models_tools.MAX_COMMAND_CHARS == 512
    assert models_kubectl.parse_kubectl("logs p -p", default_namespace="n").args == {
        "pod": "p", "namespace": "n", "previous": True}


@pytest.mark.parametrize("resource", list(KINDS))
def test_reads_of_every_kind_are_auto_also_in_kube_system(resource: str) -> None:
    proposed = propose("kubectl_get", {"resource": resource, "namespace": "kube-system"},
                       default_namespace="awoooi-prod")
    assert action_class(proposed) == "read" and target_of(proposed) is None
    verdict = evaluate(proposed, POLICY, Facts())
    assert verdict.verdict == "auto", verdict.reasons


def test_previous_logs_are_a_read_and_the_namespace_is_filled() -> None:
    proposed = propose("get_logs", {"pod": "coredns-1", "previous": True, "namespace": ""},
                       default_namespace="kube-system")
    assert proposed.tool_args == {"pod": "coredns-1", "namespace": "kube-system", "previous": True}
    assert action_class(proposed) == "read" and evaluate(proposed, POLICY, Facts()).verdict == "auto"
    mutation = propose("restart_deployment", {"deployment": "coredns"}, default_namespace="kube-system")
    assert target_of(mutation) == "deployment:kube-system/coredns"
    assert evaluate(mutation, POLICY, Facts()).verdict == "deny"


def test_action_classes_come_from_the_declarations() -> None:
    def klass(name: str, args: dict) -> str:
        return action_class(propose(name, args, default_namespace="awoooi-staging"))

    assert klass("send_alert", {"severity": "info", "message": "x"}) == "notify"
    assert klass("restart_deployment", {"deployment": "a"}) == "restart"
    assert klass("scale_deployment", {"deployment": "a", "replicas": 2}) == "scale"
    assert klass("scale_deployment", {"deployment": "a", "replicas": 0}) == "scale_to_zero"
    assert klass("kubectl_execute", {"command": "kubectl logs p --previous"}) == "read"
    with pytest.raises(ValueError, match="judged as the tool it stands for"):
        TOOLS["kubectl_execute"].action_class({"command": "get pods"})


def test_declared_requests_are_what_the_planner_sends() -> None:
    ctx = CallContext(default_namespace="shop")
    [request] = TOOLS["kubectl_get"].requests({"resource": "horizontalpodautoscalers", "name": "web"}, ctx)
    assert (request.verb, request.rbac_resource, request.scope_namespace) == ("get", "horizontalpodautoscalers",
                                                                             "shop")
    [call] = planned_calls("kubectl_get", {"resource": "horizontalpodautoscalers", "name": "web"},
                           default_namespace="shop")
    assert call["path"] == request.path() == "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web"
    [pv] = TOOLS["kubectl_get"].requests({"resource": "persistentvolumes", "namespace": "shop"}, ctx)
    assert pv.scope_namespace is None and pv.path() == "/api/v1/persistentvolumes"
