"""Seeding the test emulator from plain Kubernetes objects and scripted logs.

``objects`` are full API objects (``apiVersion``, ``kind``, ``metadata``, ``spec``,
``status``) as ``kubectl get -o json`` prints them; each is stored under the resource
of its ``kind`` (every kind ``kubectl_get`` reads, plus Namespace), cluster-scoped kinds
without a namespace. The namespaces the objects live in are created when missing.
``logs`` are ``{namespace, pod, container, previous, text}``: what ``pods/log`` answers
for that container (``previous: true``: its previous, terminated instance).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kmock import resource

from openclaw.tools.kinds import KINDS

NAMESPACES = resource("", "v1", "namespaces")
RESOURCES: dict[str, Any] = {
    **{name: resource(k.api.group, k.api.version, k.api.plural) for name, k in KINDS.items()},
    "namespaces": NAMESPACES,
}
"""The emulator's resources by plural: every kind kubectl_get reads, and namespaces."""
BY_KIND: dict[str, tuple[Any, bool]] = {
    **{k.kind: (RESOURCES[name], k.api.namespaced) for name, k in KINDS.items()},
    "Namespace": (NAMESPACES, False),
}
"""``kind`` -> (resource, namespaced)."""
SCOPE: dict[Any, tuple[str, bool]] = {res: (kind, namespaced) for kind, (res, namespaced) in BY_KIND.items()}
"""resource -> (kind, namespaced), for the emulator's discovery."""


@dataclass(frozen=True)
class LogScript:
    """The text ``pods/log`` returns for one container (``previous``: its previous instance)."""

    namespace: str
    pod: str
    container: str
    text: str
    previous: bool = False

    @classmethod
    def of(cls, entry: LogScript | Mapping[str, Any]) -> LogScript:
        if isinstance(entry, LogScript):
            return entry
        unknown = set(entry) - {"namespace", "pod", "container", "previous", "text"}
        if unknown:
            raise ValueError(f"unknown log script fields {sorted(unknown)}; use namespace, pod, container, "
                             "previous, text")
        return cls(entry["namespace"], entry["pod"], entry["container"], entry["text"],
                   bool(entry.get("previous", False)))

    @property
    def key(self) -> tuple[str, str, str, bool]:
        return self.namespace, self.pod, self.container, self.previous


def _other_kind(obj: Mapping[str, Any]) -> tuple[Any, bool]:
    """The resource of a kind no tool reads (a CronJob owning a Job, a NetworkPolicy): from its apiVersion and
    kind (plural as Kubernetes forms it: -ies, -es, -s), namespaced when its metadata names a namespace. Stored, so a cluster seeded
    from ``kubectl get -o json`` output is complete; served like any other resource."""
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if not isinstance(kind, str) or not kind or not isinstance(api_version, str) or not api_version:
        raise ValueError(f"an object needs apiVersion and kind to be stored (got kind {kind!r})")
    group, _, version = api_version.rpartition("/")
    lower = kind.lower()
    plural = lower[:-1] + "ies" if lower.endswith("y") else lower + ("es" if lower.endswith("s") else "s")
    namespaced = bool((obj.get("metadata") or {}).get("namespace"))
    res = RESOURCES.setdefault(plural, resource(group, version, plural))
    BY_KIND[kind] = (res, namespaced)
    SCOPE[res] = (kind, namespaced)
    return res, namespaced


def keyed(obj: Mapping[str, Any], *, rv: int) -> tuple[Any, str | None, str, dict[str, Any]]:
    """(resource, namespace, name, object) for one API object; ValueError when it cannot be stored."""
    kind = obj.get("kind")
    if kind not in BY_KIND:
        res, namespaced = _other_kind(obj)
    else:
        res, namespaced = BY_KIND[kind]
    out = copy.deepcopy(dict(obj))
    meta = out.setdefault("metadata", {})
    name = meta.get("name")
    if not name:
        raise ValueError(f"a {kind} needs metadata.name")
    namespace = meta.get("namespace") if namespaced else None
    if namespaced and not namespace:
        raise ValueError(f"{kind} {name!r} needs metadata.namespace")
    if not namespaced:
        meta.pop("namespace", None)
    meta.setdefault("uid", f"uid-{kind.lower()}-{namespace or ''}-{name}")
    meta.setdefault("resourceVersion", str(rv))
    return res, namespace, name, out


def namespace_object(name: str, *, created: str, rv: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "uid": f"uid-ns-{name}", "creationTimestamp": created,
                         "resourceVersion": str(rv)},
            "status": {"phase": "Active"}}


def store(objects: Any, items: Iterable[Mapping[str, Any]], *, created: str, rv: int = 100) -> None:
    """Store ``items`` in kmock's object array, adding the namespaces they name."""
    for item in items:
        res, namespace, name, obj = keyed(item, rv=rv)
        if namespace is not None and (NAMESPACES, None, namespace) not in objects:
            objects[NAMESPACES, None, namespace] = namespace_object(namespace, created=created, rv=rv)
        if (res, namespace, name) in objects and not objects[res, namespace, name].deleted:
            objects[res, namespace, name].history.append(obj)
        else:
            objects[res, namespace, name] = obj
