"""configs/k8s/*.yaml: every object is valid for the Kubernetes API, and the Deployment runs N replicas on PostgreSQL.

Covers: each YAML document under configs/k8s deserializes into the official `kubernetes` client's
model of its kind (V1Deployment, V1PodDisruptionBudget, V1ClusterRole …: required fields present,
field types right) and serializes back to the same document, so a misspelt or misplaced field
(which the client would silently drop) fails too; the Deployment runs 2 replicas with
OPENCLAW_REPLICAS equal to it, OPENCLAW_DATABASE_URL from a Secret (never a literal), an optional
OPENCLAW_REDIS_URL from a Secret, an initContainer of the same image running `openclaw db upgrade`
with the same database URL, a rolling update that keeps one pod serving (maxUnavailable 0), a spread
across nodes, a termination grace that covers the service's shutdown grace, readiness on /readyz;
a PodDisruptionBudget with minAvailable 1 selects exactly the Deployment's pods. The checks
return their problems, and the last test feeds them broken copies (replicas 1, a typo'd field, a
literal database URL, a PDB selecting other pods …) to show that each one fails.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes.client import ApiClient

from openclaw.settings import ServerSettings

K8S = Path(__file__).resolve().parents[2] / "configs" / "k8s"
REPLICAS = 2
PRESTOP_MAX_S = 10


def _load() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in sorted(K8S.glob("*.yaml")):
        for i, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if doc is not None:
                out.append((f"{path.name}#{i}", doc))
    return out


DOCS = _load()


def _model_name(doc: dict[str, Any]) -> str:
    version = doc["apiVersion"].split("/")[-1]
    return version[0].upper() + version[1:] + doc["kind"]


def schema_problems(doc: dict[str, Any]) -> list[str]:
    """Why ``doc`` is not a valid object of its kind for the Kubernetes API ([] when it is)."""
    api = ApiClient()
    for key in ("apiVersion", "kind", "metadata"):
        if key not in doc:
            return [f"no {key}"]
    try:
        obj = api._ApiClient__deserialize(doc, _model_name(doc))  # type: ignore[attr-defined]
    except AttributeError:
        return [f"no model for {doc['apiVersion']} {doc['kind']} in the kubernetes client"]
    except (ValueError, TypeError) as exc:  # a missing required field, a wrong type (pydantic's errors are ValueErrors)
        return [f"invalid: {exc}"]
    back = api.sanitize_for_serialization(obj)
    return [f"{path}: {why}" for path, why in _diff(doc, back, "")]


def _diff(want: Any, got: Any, path: str) -> list[tuple[str, str]]:
    """Where the round trip through the client's model lost or changed something."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = []
        for key, value in want.items():
            if key not in got:
                if value in ({}, []):
                    continue  # an empty list or map the model leaves out means the same
                out.append((f"{path}.{key}", "not a field of this object (dropped by the API model)"))
            else:
                out += _diff(value, got[key], f"{path}.{key}")
        return out
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [d for i, (w, g) in enumerate(zip(want, got, strict=True)) for d in _diff(w, g, f"{path}[{i}]")]
    if type(want) is not type(got) or want != got:
        return [(path, f"{want!r} became {got!r} (wrong type or shape)")]
    return []


def _only(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env") or []}


def _secret_ref(env: dict[str, dict[str, Any]], name: str) -> dict[str, Any] | None:
    entry = env.get(name)
    if entry is None or "value" in entry:
        return None
    return (entry.get("valueFrom") or {}).get("secretKeyRef")


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if set(selector) - {"matchLabels"} or not selector.get("matchLabels"):
        return False  # matchExpressions are not used here; an empty selector selects everything
    return all(labels.get(k) == v for k, v in selector["matchLabels"].items())


def deployment_problems(docs: list[dict[str, Any]]) -> list[str]:
    """What keeps the manifests from running ``REPLICAS`` pods on PostgreSQL safely ([] when nothing)."""
    problems: list[str] = []

    def check(ok: bool, why: str) -> None:
        if not ok:
            problems.append(why)

    dep = _only(docs, "Deployment")
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    [main] = [c for c in pod["containers"] if c["name"] == "openclaw"]
    env = _env(main)

    check(spec.get("replicas") == REPLICAS, f"replicas is {spec.get('replicas')!r}, not {REPLICAS}")
    check(env.get("OPENCLAW_REPLICAS", {}).get("value") == str(spec.get("replicas")),
          "OPENCLAW_REPLICAS does not equal the Deployment's replicas")
    db = _secret_ref(env, "OPENCLAW_DATABASE_URL")
    check(db is not None and not db.get("optional"), "OPENCLAW_DATABASE_URL is not from a required Secret key")
    redis = _secret_ref(env, "OPENCLAW_REDIS_URL")
    check(redis is not None and redis.get("optional") is True, "OPENCLAW_REDIS_URL is not from an optional Secret key")
    check(main["readinessProbe"]["httpGet"]["path"] == "/readyz", "the readiness probe is not /readyz")

    inits = pod.get("initContainers") or []
    upgrade = [c for c in inits if c.get("args") == ["db", "upgrade"] and c.get("command") in (None, ["openclaw"])]
    check(len(upgrade) == 1, "no initContainer runs `openclaw db upgrade`")
    for init in upgrade:
        check(init["image"] == main["image"], "the db upgrade initContainer runs another image")
        check(_secret_ref(_env(init), "OPENCLAW_DATABASE_URL") == db,
              "the db upgrade initContainer does not read the same database URL")

    strategy = spec.get("strategy") or {}
    rolling = strategy.get("rollingUpdate") or {}
    check(strategy.get("type", "RollingUpdate") == "RollingUpdate" and rolling.get("maxUnavailable") in (0, "0%"),
          "the rolling update may stop every pod (maxUnavailable is not 0)")
    spread = [t for t in pod.get("topologySpreadConstraints") or []
              if t.get("topologyKey") == "kubernetes.io/hostname" and _selects(t.get("labelSelector") or {}, labels)]
    anti = (((pod.get("affinity") or {}).get("podAntiAffinity") or {})
            .get("preferredDuringSchedulingIgnoredDuringExecution") or [])
    check(bool(spread or anti), "nothing spreads the pods across nodes")

    prestop = ((main.get("lifecycle") or {}).get("preStop") or {})
    pause = float(prestop["exec"]["command"][1]) if "exec" in prestop else 0.0
    check(pause <= PRESTOP_MAX_S, f"the preStop pause ({pause} s) is longer than {PRESTOP_MAX_S} s")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check(grace > pause + ServerSettings().shutdown_grace_s,
          f"terminationGracePeriodSeconds {grace} does not cover the preStop pause and the shutdown grace")

    pdbs = [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    check(len(pdbs) == 1, f"expected one PodDisruptionBudget, found {len(pdbs)}")
    for pdb in pdbs:
        check(pdb["spec"].get("minAvailable") == 1, "the PodDisruptionBudget does not keep minAvailable 1")
        check(pdb["metadata"].get("namespace") == dep["metadata"]["namespace"],
              "the PodDisruptionBudget is in another namespace")
        check(_selects(pdb["spec"].get("selector") or {}, labels)
              and pdb["spec"]["selector"] == spec["selector"],
              "the PodDisruptionBudget does not select the Deployment's pods")
    return problems


@pytest.mark.parametrize(("where", "doc"), DOCS, ids=[w for w, _ in DOCS])
def test_every_object_is_valid_for_the_kubernetes_api(where: str, doc: dict[str, Any]) -> None:
    assert schema_problems(doc) == []


def test_the_deployment_runs_replicas_on_postgresql() -> None:
    assert deployment_problems([d for _, d in DOCS]) == []


def _deployment(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return next(d for d in docs if d["kind"] == "Deployment")


def _main(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return _deployment(docs)["spec"]["template"]["spec"]["containers"][0]


def _set_replicas_1(docs: list[dict[str, Any]]) -> None:
    _deployment(docs)["spec"]["replicas"] = 1


def _literal_db(docs: list[dict[str, Any]]) -> None:
    entry = _env(_main(docs))["OPENCLAW_DATABASE_URL"]
    entry.clear()
    entry.update(name="OPENCLAW_DATABASE_URL", value="postgresql://u:p@h/db")


def _no_init(docs: list[dict[str, Any]]) -> None:
    del _deployment(docs)["spec"]["template"]["spec"]["initContainers"]


def _pdb_other_pods(docs: list[dict[str, Any]]) -> None:
    next(d for d in docs if d["kind"] == "PodDisruptionBudget")["spec"]["selector"] = {"matchLabels": {"app": "x"}}


def _max_unavailable_1(docs: list[dict[str, Any]]) -> None:
    _deployment(docs)["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = 1


def _short_grace(docs: list[dict[str, Any]]) -> None:
    _deployment(docs)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 5


def _liveness_as_readiness(docs: list[dict[str, Any]]) -> None:
    _main(docs)["readinessProbe"]["httpGet"]["path"] = "/healthz"


BROKEN: dict[str, Callable[[list[dict[str, Any]]], None]] = {
    "replicas 1": _set_replicas_1,
    "a literal database URL": _literal_db,
    "no db upgrade initContainer": _no_init,
    "a PDB selecting other pods": _pdb_other_pods,
    "maxUnavailable 1": _max_unavailable_1,
    "a grace shorter than shutdown": _short_grace,
    "readiness on /healthz": _liveness_as_readiness,
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_the_checks_fail_on_a_broken_copy(name: str) -> None:
    docs = copy.deepcopy([d for _, d in DOCS])
    BROKEN[name](docs)
    assert deployment_problems(docs), f"{name} passed the checks"


@pytest.mark.parametrize(("path", "value"), [
    (("spec", "replicas"), "2"),  # a string where the API wants an integer
    (("spec", "template", "spec", "terminationGracePeriodSecond"), 45),  # misspelt: the API would drop it
    (("spec", "strategy", "rollingUpdate", "maxUnavailble"), 0),
])
def test_the_schema_check_fails_on_a_broken_copy(path: tuple[str, ...], value: Any) -> None:
    dep = copy.deepcopy(_deployment([d for _, d in DOCS]))
    node = dep
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert schema_problems(dep)


def test_the_schema_check_fails_without_a_required_field() -> None:
    dep = copy.deepcopy(_deployment([d for _, d in DOCS]))
    del dep["spec"]["template"]["spec"]["containers"][0]["name"]
    assert schema_problems(dep)
