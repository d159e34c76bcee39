"""configs/k8s/*.yaml: the engine's RBAC is exactly what the executor needs, and the Deployment runs it.

Covers: the rules granted to the openclaw ServiceAccount (through every binding) are
exactly the permissions the registered tools declare (openclaw.tools: every kind
kubectl_get reads with get/list, get on pods/log, patch and get on deployments, patch on
deployments/scale) — so every read the registry can make is covered, and nothing more is
granted; no wildcard, no watch, no create/update/delete/exec, no secrets; cluster-scoped
kinds (nodes, persistentvolumes) come from a ClusterRoleBinding, the namespaced rules
only from RoleBindings; every binding points at a role that exists; the Deployment runs
`openclaw serve` as that ServiceAccount with env from a Secret and /readyz, /healthz on 8080.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from openclaw.tools import TOOLS, permissions
from openclaw.tools.base import CallContext
from openclaw.tools.kinds import KINDS

K8S = Path(__file__).resolve().parents[2] / "configs" / "k8s"
SA = ("openclaw", "openclaw")



def _expected() -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for p in permissions():
        out.setdefault((p.group, p.resource), set()).add(p.verb)
    return out


EXPECTED = _expected()
CLUSTER_SCOPED = {p.resource for p in permissions() if not p.namespaced}


@pytest.fixture(scope="module")
def docs() -> list[dict]:
    out: list[dict] = []
    for path in sorted(K8S.glob("*.yaml")):
        out += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return out


def _of(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def _granted(docs: list[dict]) -> tuple[dict[tuple[str, str], set[str]], dict[str, str]]:
    """(apiGroup, resource) -> verbs for the ServiceAccount, and resource -> binding kind that granted it."""
    roles = {("ClusterRole", r["metadata"]["name"]): r for r in _of(docs, "ClusterRole")}
    roles |= {("Role", r["metadata"]["name"]): r for r in _of(docs, "Role")}
    granted: dict[tuple[str, str], set[str]] = {}
    via: dict[str, str] = {}
    for binding in _of(docs, "RoleBinding") + _of(docs, "ClusterRoleBinding"):
        subjects = {(s["kind"], s["name"], s.get("namespace")) for s in binding["subjects"]}
        assert subjects == {("ServiceAccount", *SA)}, f"{binding['metadata']['name']} binds someone else"
        ref = binding["roleRef"]
        role = roles.get((ref["kind"], ref["name"]))
        assert role is not None, f"{binding['kind']} {binding['metadata']['name']} refers to a missing role"
        for rule in role["rules"]:
            for group in rule["apiGroups"]:
                for res in rule["resources"]:
                    granted.setdefault((group, res), set()).update(rule["verbs"])
                    via.setdefault(res, binding["kind"])
    return granted, via


def test_rules_are_exactly_what_the_executor_needs(docs: list[dict]) -> None:
    granted, _ = _granted(docs)
    assert granted == EXPECTED


def test_the_registry_declares_what_its_requests_use() -> None:
    """Every request a tool builds (each kind, one object and a list) is covered by its declared permissions."""
    samples = {
        "kubectl_get": [{"resource": r, **extra} for r in KINDS for extra in ({}, {"name": "x"})],
        "get_logs": [{"pod": "p", "namespace": "n", "previous": True, "container": "c"}],
        "restart_deployment": [{"deployment": "d", "namespace": "n"}],
        "scale_deployment": [{"deployment": "d", "namespace": "n", "replicas": 2}],
    }
    assert set(samples) == {name for name, spec in TOOLS.items() if spec.requests is not None}
    for name, calls in samples.items():
        spec = TOOLS[name]
        for args in calls:
            for request in spec.requests(args, CallContext()):
                assert request.permission() in spec.permissions, (name, args, request)
    assert {"nodes", "persistentvolumes"} == CLUSTER_SCOPED
    assert EXPECTED[("", "pods/log")] == {"get"}
    assert EXPECTED[("autoscaling", "horizontalpodautoscalers")] == {"get", "list"}


def test_no_wildcards_or_dangerous_verbs(docs: list[dict]) -> None:
    for role in _of(docs, "ClusterRole") + _of(docs, "Role"):
        assert "aggregationRule" not in role
        for rule in role["rules"]:
            values = rule["apiGroups"] + rule["resources"] + rule["verbs"] + rule.get("resourceNames", [])
            assert "*" not in values, role["metadata"]["name"]
            assert not {"create", "update", "delete", "deletecollection", "escalate", "bind", "impersonate",
                        "watch"} & set(rule["verbs"])
            assert not {"secrets", "pods/exec", "pods/attach", "pods/portforward", "configmaps"} \
                & set(rule["resources"])
            assert "nonResourceURLs" not in rule


def test_only_cluster_scoped_kinds_are_granted_cluster_wide(docs: list[dict]) -> None:
    _, via = _granted(docs)
    for resource in CLUSTER_SCOPED:
        assert via.pop(resource) == "ClusterRoleBinding", resource
    assert set(via.values()) == {"RoleBinding"}
    for binding in _of(docs, "ClusterRoleBinding"):
        assert binding["roleRef"]["name"] == "openclaw-cluster-reader"


def test_service_account_exists(docs: list[dict]) -> None:
    assert [(d["metadata"]["name"], d["metadata"]["namespace"]) for d in _of(docs, "ServiceAccount")] == [SA]


def test_deployment_runs_openclaw_serve(docs: list[dict]) -> None:
    [dep] = _of(docs, "Deployment")
    pod = dep["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "openclaw"
    assert dep["metadata"]["namespace"] == "openclaw"
    [c] = pod["containers"]
    assert c["image"] == "openclaw:latest"
    assert c["args"][0] == "serve" and "8080" in c["args"]
    assert c["ports"][0]["containerPort"] == 8080
    assert {"secretRef": {"name": "openclaw-secrets"}} in c["envFrom"]
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {c["readinessProbe"]["httpGet"]["port"], c["livenessProbe"]["httpGet"]["port"]} == {"http"}
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    # No API key is written into the manifest itself.
    assert not [e for e in c.get("env", []) if "KEY" in e["name"] or "TOKEN" in e["name"]]
