"""configs/k8s/*.yaml: the engine's RBAC is exactly what the executor needs, and the Deployment runs it.

Covers: the rules granted to the openclaw ServiceAccount (through every binding) are
exactly get/list/watch on pods, deployments, services, nodes, events; get on pods/log;
patch on deployments; get/patch on deployments/scale — no wildcard, no create/update/
delete/exec, no secrets; nodes come from a ClusterRoleBinding, the namespaced rules only
from RoleBindings; every binding points at a role that exists; the Deployment runs
`openclaw serve` as that ServiceAccount with env from a Secret and /readyz, /healthz on 8080.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "configs" / "k8s"
SA = ("openclaw", "openclaw")

EXPECTED = {
    ("", "pods"): {"get", "list", "watch"},
    ("apps", "deployments"): {"get", "list", "watch", "patch"},
    ("", "services"): {"get", "list", "watch"},
    ("", "nodes"): {"get", "list", "watch"},
    ("", "events"): {"get", "list", "watch"},
    ("", "pods/log"): {"get"},
    ("apps", "deployments/scale"): {"get", "patch"},
}


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


def test_no_wildcards_or_dangerous_verbs(docs: list[dict]) -> None:
    for role in _of(docs, "ClusterRole") + _of(docs, "Role"):
        assert "aggregationRule" not in role
        for rule in role["rules"]:
            values = rule["apiGroups"] + rule["resources"] + rule["verbs"] + rule.get("resourceNames", [])
            assert "*" not in values, role["metadata"]["name"]
            assert not {"create", "update", "delete", "deletecollection", "escalate", "bind", "impersonate"} \
                & set(rule["verbs"])
            assert not {"secrets", "pods/exec", "pods/attach", "pods/portforward", "configmaps"} \
                & set(rule["resources"])
            assert "nonResourceURLs" not in rule


def test_only_nodes_are_granted_cluster_wide(docs: list[dict]) -> None:
    _, via = _granted(docs)
    assert via.pop("nodes") == "ClusterRoleBinding"
    assert set(via.values()) == {"RoleBinding"}
    for binding in _of(docs, "ClusterRoleBinding"):
        assert binding["roleRef"]["name"] == "openclaw-node-reader"


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
