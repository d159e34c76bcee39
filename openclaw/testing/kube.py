"""A loopback Kubernetes API for tests: kmock's ``KubernetesEmulator`` with what OpenClaw needs.

``emulated_cluster(tmp_dir)`` starts the emulator on 127.0.0.1 in a background
thread (its own event loop), seeds the workloads below, writes a kubeconfig with a
bearer token (the emulator answers 401 without it), and yields an
``EmulatedCluster``. The real ``kubernetes`` client talks to it like to any cluster::

    with emulated_cluster(tmp_path) as ec:
        cluster = connect(kubeconfig=str(ec.kubeconfig_path), context=ec.context)

It can also be seeded from plain Kubernetes objects (``kubectl get -o json``) and
scripted logs (``openclaw.testing.kube_objects``)::

    with emulated_cluster(tmp_path, workloads=None, objects=[pod, hpa, node],
                          logs=[{"namespace": "ns", "pod": "p", "container": "app", "previous": True,
                                 "text": "panic: out of memory\n"}]) as ec:
        ec.seed([more_objects])   # after start, too

Every kind ``kubectl_get`` reads is served (list, get, ``fieldSelector`` on lists),
cluster-scoped ones (nodes, persistentvolumes) without a namespace.

What the subclass adds to kmock's emulator (which stores JSON and merges patches):

- ``dryRun=All`` on a PATCH returns the would-be object and changes nothing;
- ``metadata.generation`` increases when a deployment's spec changes, and
  ``resourceVersion`` on every write (an emulator, not a real API server: patches
  are recursive dict merges, which is what strategic merge does for the maps we patch);
- the ``deployments/scale`` subresource (GET and PATCH) and ``pods/log``
  (``tailLines``, ``limitBytes``, ``container``, ``previous``; scripted text via ``set_logs``
  or ``logs``). Like a real API server: a pod with several containers needs ``container``
  (400 "a container name must be specified for pod P, choose one of: [a b]"; the
  ``kubectl.kubernetes.io/default-container`` annotation is kubectl's, not the server's), an
  unknown container is a 400, and ``previous=true`` without a scripted previous instance
  is the kubelet's 400 "previous terminated container "C" in pod "P" not found";
- ``fieldSelector`` (dotted-path equality) on lists;
- **a controller you can play** (``controller``): ``"ready"`` (default) brings a
  patched deployment's status up to date a moment after the write (observedGeneration,
  updated/ready/available replicas); ``"fail"`` marks the rollout
  ``ProgressDeadlineExceeded``; ``"off"`` leaves status alone (verification times out);
- **faults**: ``fail(method, path, status, times=1)`` answers the next matching
  requests with a Kubernetes ``Status`` error; ``requests`` lists every request seen;
- ``after_mutation(hook)``: a hook called once a real write is stored, before the answer.

Nothing here imports ``kubernetes``; only ``kmock``, which a plain install of OpenClaw
does not pull in: install the optional extra, ``pip install 'openclaw[testing]'`` (or
``uv sync``, where kmock is in the dev group too), to use this module from your own tests.
"""

from __future__ import annotations

import asyncio
import copy
import json
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import aiohttp.web
import attrs
import yaml
from kmock import KubernetesEmulator, ResourceInfo, Server, action
from kmock._internal.dicts import merge_patch_dict
from kmock._internal.k8s import KubernetesError

from openclaw.testing.kube_objects import RESOURCES, SCOPE, LogScript, store

ControllerMode = Literal["ready", "fail", "off"]
DEPLOYMENTS = RESOURCES["deployments"]
PODS = RESOURCES["pods"]
CREATED = "2026-03-28T08:00:00Z"
POD_SUFFIXES = ("x2k9p", "m4q7z", "b8n3r", "t6w1c", "h5j2d", "q9v4s", "n3f8k", "z7g2m", "c1r6y", "p0l5e")


# --- workloads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    namespace: str
    name: str
    replicas: int
    image: str
    containers: tuple[str, ...] = ()  # default: one container named after the app
    crashing_pods: int = 0  # this many pods are in CrashLoopBackOff (not ready, restarting)

    @property
    def app(self) -> str:
        return self.name.removeprefix("awoooi-")


@dataclass(frozen=True)
class Workloads:
    namespaces: tuple[str, ...]
    deployments: tuple[Deployment, ...]
    services: tuple[tuple[str, str, int, int], ...]  # namespace, name, port, targetPort
    nodes: tuple[str, ...]
    events: bool = True


DEFAULT_WORKLOADS = Workloads(
    namespaces=("awoooi-prod", "awoooi-staging", "kube-system"),
    deployments=(
        Deployment("awoooi-prod", "awoooi-api", 3, "ghcr.io/awoooi/api:1.8.2"),
        Deployment("awoooi-prod", "awoooi-web", 2, "ghcr.io/awoooi/web:1.8.2", containers=("web", "metrics")),
        Deployment("awoooi-prod", "awoooi-worker", 2, "ghcr.io/awoooi/worker:1.8.2", crashing_pods=1),
        Deployment("awoooi-staging", "awoooi-api", 1, "ghcr.io/awoooi/api:1.9.0-rc1"),
        Deployment("kube-system", "coredns", 2, "registry.k8s.io/coredns/coredns:v1.11.1"),
    ),
    services=(("awoooi-prod", "awoooi-api", 80, 8080), ("awoooi-prod", "awoooi-web", 80, 3000),
              ("kube-system", "kube-dns", 53, 53)),
    nodes=("node-1", "node-2"),
)


DEMO_WORKLOADS = replace(
    DEFAULT_WORKLOADS,
    deployments=(*DEFAULT_WORKLOADS.deployments,
                 Deployment("awoooi-staging", "awoooi-web", 2, "ghcr.io/awoooi/web:1.9.0-rc1")),
)
"""The default workloads plus every object ``examples/demo.json`` touches (the staging web it scales)."""


def pod_names(dep: Deployment) -> list[str]:
    return [f"{dep.name}-7d4b9c8f6-{POD_SUFFIXES[i % len(POD_SUFFIXES)]}" for i in range(dep.replicas)]


def default_log(namespace: str, pod: str, container: str, lines: int = 200) -> str:
    """Deterministic log text: ``lines`` numbered lines ending in a newline."""
    return "".join(
        f"2026-03-28T09:{i // 60:02d}:{i % 60:02d}Z INFO {container} [{namespace}/{pod}] request {i} handled in "
        f"{(i * 7) % 90 + 3} ms\n"
        for i in range(1, lines + 1)
    )


def _seed(objects: Any, workloads: Workloads) -> None:
    rv = 100
    for ns in workloads.namespaces:
        objects[RESOURCES["namespaces"], None, ns] = {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "uid": f"uid-ns-{ns}", "creationTimestamp": CREATED, "resourceVersion": str(rv)},
            "status": {"phase": "Active"},
        }
    for node in workloads.nodes:
        objects[RESOURCES["nodes"], None, node] = {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": node, "uid": f"uid-node-{node}", "creationTimestamp": CREATED,
                         "labels": {"kubernetes.io/hostname": node, "node-role.kubernetes.io/worker": ""}},
            "spec": {},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                       "nodeInfo": {"kubeletVersion": "v1.30.4"},
                       "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"}},
        }
    for dep in workloads.deployments:
        containers = dep.containers or (dep.app,)
        crashing = min(dep.crashing_pods, dep.replicas)
        objects[DEPLOYMENTS, dep.namespace, dep.name] = {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": dep.name, "namespace": dep.namespace, "uid": f"uid-{dep.namespace}-{dep.name}",
                         "generation": 1, "resourceVersion": str(rv), "creationTimestamp": CREATED,
                         "labels": {"app": dep.app}},
            "spec": {
                "replicas": dep.replicas,
                "selector": {"matchLabels": {"app": dep.app}},
                "template": {"metadata": {"labels": {"app": dep.app}},
                             "spec": {"containers": [{"name": c, "image": dep.image if i == 0 else
                                                      "ghcr.io/awoooi/metrics-exporter:0.4"}
                                                     for i, c in enumerate(containers)]}},
            },
            "status": {"observedGeneration": 1, "replicas": dep.replicas, "updatedReplicas": dep.replicas,
                       "readyReplicas": dep.replicas - crashing, "availableReplicas": dep.replicas - crashing,
                       "conditions": [{"type": "Available", "status": "True" if not crashing else "False"},
                                      {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]},
        }
        for i, pod in enumerate(pod_names(dep)):
            crash = i < crashing
            annotations = {"kubectl.kubernetes.io/default-container": containers[0]} if len(containers) > 1 else {}
            objects[PODS, dep.namespace, pod] = {
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": pod, "namespace": dep.namespace, "uid": f"uid-{pod}", "labels": {"app": dep.app},
                             "annotations": annotations, "creationTimestamp": CREATED},
                "spec": {"nodeName": workloads.nodes[i % len(workloads.nodes)] if workloads.nodes else None,
                         "containers": [{"name": c, "image": dep.image} for c in containers]},
                "status": {
                    "phase": "Running",
                    "containerStatuses": [
                        {"name": c, "ready": not (crash and j == 0), "restartCount": 7 if crash and j == 0 else 0,
                         "state": {"waiting": {"reason": "CrashLoopBackOff"}} if crash and j == 0
                         else {"running": {"startedAt": CREATED}}}
                        for j, c in enumerate(containers)
                    ],
                },
            }
    for i, (ns, name, port, target) in enumerate(workloads.services):
        objects[RESOURCES["services"], ns, name] = {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "uid": f"uid-svc-{ns}-{name}", "creationTimestamp": CREATED},
            "spec": {"type": "ClusterIP", "clusterIP": f"10.43.0.{10 + i}",
                     "ports": [{"port": port, "targetPort": target, "protocol": "TCP"}]},
        }
    if workloads.events:
        worker = next((d for d in workloads.deployments if d.crashing_pods), None)
        evs = [("awoooi-prod", "Deployment", "awoooi-api", "Normal", "ScalingReplicaSet",
                "Scaled up replica set awoooi-api-7d4b9c8f6 to 3", "2026-03-28T08:01:00Z"),
               ("awoooi-prod", "Pod", "awoooi-api-7d4b9c8f6-x2k9p", "Normal", "Pulled",
                "Container image already present on machine", "2026-03-28T08:02:00Z")]
        if worker:
            crash_pod = pod_names(worker)[0]
            evs += [(worker.namespace, "Pod", crash_pod, "Warning", "BackOff",
                     "Back-off restarting failed container worker", "2026-03-28T09:15:00Z"),
                    (worker.namespace, "Pod", crash_pod, "Warning", "Unhealthy",
                     "Liveness probe failed: HTTP probe failed with statuscode: 500", "2026-03-28T09:10:00Z")]
        for i, (ns, kind, obj, typ, reason, msg, ts) in enumerate(evs):
            name = f"{obj}.17a{i:05d}"
            objects[RESOURCES["events"], ns, name] = {
                "apiVersion": "v1", "kind": "Event",
                "metadata": {"name": name, "namespace": ns, "creationTimestamp": ts},
                "involvedObject": {"kind": kind, "name": obj, "namespace": ns},
                "type": typ, "reason": reason, "message": msg, "count": 3 if typ == "Warning" else 1,
                "firstTimestamp": ts, "lastTimestamp": ts,
            }


# --- the emulator ------------------------------------------------------------------------


@dataclass
class Fault:
    method: str
    path: str
    status: int
    times: int | None = 1  # None: every matching request
    message: str | None = None
    retry_after: int | None = None


def _status_error(status: int, reason: str, message: str, **details: Any) -> KubernetesError:
    return KubernetesError(status=status, reason=reason, message=message, details=details or {"code": status})


@attrs.define(kw_only=True)
class OpenClawEmulator(KubernetesEmulator):
    """kmock's emulator plus dry runs, generations, scale, logs, field selectors, a controller and faults."""

    token: str | None = None
    controller: ControllerMode = "ready"
    controller_delay_s: float = 0.05
    faults: list[Fault] = attrs.field(factory=list)
    logs: dict[tuple[str, str, str, bool], str] = attrs.field(factory=dict)
    """(namespace, pod, container, previous) -> log text."""
    journal: list[dict[str, Any]] = attrs.field(factory=list)
    on_mutation: Any = None
    """Called with the request (``{"method", "path", "query"}``) once a real write is stored, before the answer."""
    _rv: int = 1000

    async def _handle(self, request: Any) -> aiohttp.web.StreamResponse:
        self.journal.append({"method": str(request.method.value), "path": request.url.path,
                             "query": dict(request.params)})
        if self.token is not None and request.headers.get("Authorization") != f"Bearer {self.token}":
            raise _status_error(401, "Unauthorized", "Unauthorized")
        for fault in self.faults:
            if fault.method == request.method.value and fault.path == request.url.path and fault.times != 0:
                if fault.times is not None:
                    fault.times -= 1
                details = {"retryAfterSeconds": fault.retry_after} if fault.retry_after else {}
                raise _status_error(fault.status, "Injected", fault.message or f"injected fault {fault.status}",
                                    **details)
        res, sub = request.resource, request.subresource
        if res == PODS and request.name and sub == "log":
            return await self._serve_logs(request)
        if res == DEPLOYMENTS and request.name and sub == "scale":
            return await self._serve_scale(request)
        if request.action == action.UPDATE and request.name and sub is None:
            if res != DEPLOYMENTS:
                raise _status_error(405, "MethodNotAllowed", "the emulator only patches deployments")
            return aiohttp.web.json_response(await self._patch_deployment(request, request.data))
        if request.action == action.FETCH and sub is None and res is not None:
            async with self._lock:
                obj = self._find(res, request.namespace, request.name)
            if obj is None:
                raise self._not_found(res, request.name)
            return aiohttp.web.json_response(obj)
        if request.action == action.LIST and request.params.get("fieldSelector"):
            return aiohttp.web.json_response(await self._list_selected(request))
        return await super()._handle(request)

    # -- helpers (call with the lock held where they touch objects)

    def _find(self, res: Any, namespace: str | None, name: str | None) -> dict[str, Any] | None:
        key = (res, namespace, name)
        if key not in self._objects or self._objects[key].deleted:
            return None
        return copy.deepcopy(dict(self._objects[key].raw))

    def _not_found(self, res: Any, name: str | None) -> KubernetesError:
        group = f".{res.group}" if res.group else ""
        return _status_error(404, "NotFound", f'{res.plural}{group} "{name}" not found', name=name, kind=res.plural)

    def _store(self, res: Any, namespace: str | None, name: str, obj: dict[str, Any]) -> None:
        self._rv += 1
        obj.setdefault("metadata", {})["resourceVersion"] = str(self._rv)
        self._objects[res, namespace, name].history.append(obj)

    async def _patch_deployment(self, request: Any, patch: Any) -> dict[str, Any]:
        ns, name = request.namespace, request.name
        if not isinstance(patch, dict):
            raise _status_error(422, "Invalid", "the patch body must be a JSON object")
        dry = request.params.get("dryRun") == "All"
        async with self._lock:
            current = self._find(DEPLOYMENTS, ns, name)
            if current is None:
                raise self._not_found(DEPLOYMENTS, name)
            new = json.loads(json.dumps(merge_patch_dict(current, patch)))
            replicas = (new.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or replicas < 0:
                raise _status_error(422, "Invalid", f"spec.replicas: Invalid value: {replicas!r}")
            if new.get("spec") != current.get("spec"):
                new["metadata"]["generation"] = int(current["metadata"].get("generation") or 1) + 1
            if dry:
                return new
            self._store(DEPLOYMENTS, ns, name, new)
            await self._buses[DEPLOYMENTS].put({"type": "MODIFIED", "object": new})
        if self.on_mutation is not None:
            self.on_mutation({"method": str(request.method.value), "path": request.url.path,
                              "query": dict(request.params)})
        if self.controller != "off":
            asyncio.get_running_loop().call_later(
                self.controller_delay_s, lambda: asyncio.ensure_future(self._reconcile(ns, name)))
        return new

    async def _reconcile(self, ns: str, name: str) -> None:
        async with self._lock:
            obj = self._find(DEPLOYMENTS, ns, name)
            if obj is None or self.controller == "off":
                return
            desired = int(obj["spec"].get("replicas", 1))
            status = obj.setdefault("status", {})
            status["observedGeneration"] = obj["metadata"].get("generation", 1)
            if self.controller == "ready":
                status.update(replicas=desired, updatedReplicas=desired, readyReplicas=desired,
                              availableReplicas=desired,
                              conditions=[{"type": "Available", "status": "True"},
                                          {"type": "Progressing", "status": "True",
                                           "reason": "NewReplicaSetAvailable"}])
            else:
                status.update(updatedReplicas=desired, availableReplicas=0, readyReplicas=0,
                              conditions=[{"type": "Progressing", "status": "False",
                                           "reason": "ProgressDeadlineExceeded",
                                           "message": f'ReplicaSet "{name}-5f6d7c8b9" has timed out progressing.'}])
            self._store(DEPLOYMENTS, ns, name, obj)

    async def _serve_scale(self, request: Any) -> aiohttp.web.StreamResponse:
        if request.method.value == "PATCH":
            data = request.data if isinstance(request.data, dict) else {}
            replicas = (data.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or replicas < 0:
                raise _status_error(422, "Invalid", f"spec.replicas: Invalid value: {replicas!r}")
            obj = await self._patch_deployment(request, {"spec": {"replicas": replicas}})
        elif request.method.value == "GET":
            async with self._lock:
                obj = self._find(DEPLOYMENTS, request.namespace, request.name)
            if obj is None:
                raise self._not_found(DEPLOYMENTS, request.name)
        else:
            raise _status_error(405, "MethodNotAllowed", "scale supports GET and PATCH")
        meta = obj["metadata"]
        return aiohttp.web.json_response({
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                         if k in meta},
            "spec": {"replicas": obj["spec"]["replicas"]},
            "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                       "selector": ",".join(f"{k}={v}" for k, v in obj["spec"]["selector"]["matchLabels"].items())},
        })

    async def _serve_logs(self, request: Any) -> aiohttp.web.StreamResponse:
        ns, pod = request.namespace, request.name
        async with self._lock:
            obj = self._find(PODS, ns, pod)
        if obj is None:
            raise self._not_found(PODS, pod)
        spec = obj.get("spec") or {}
        regular = [c["name"] for c in spec.get("containers") or []]
        every = [c["name"] for c in spec.get("initContainers") or []] + regular
        container = request.params.get("container")
        if not container:
            if len(regular) != 1:
                choose = f", choose one of: [{' '.join(every)}]" if regular else ""
                raise _status_error(400, "BadRequest", f"a container name must be specified for pod {pod}{choose}")
            container = regular[0]
        if container not in every:
            raise _status_error(400, "BadRequest", f"container {container} is not valid for pod {pod}")
        if request.params.get("previous") in ("true", "1"):
            text = self.logs.get((ns, pod, container, True))
            if text is None:
                raise _status_error(400, "BadRequest",
                                    f'previous terminated container "{container}" in pod "{pod}" not found')
        else:
            text = self.logs.get((ns, pod, container, False)) or default_log(ns, pod, container)
        if request.params.get("tailLines"):
            lines = text.splitlines(keepends=True)
            text = "".join(lines[-int(request.params["tailLines"]):])
        data = text.encode()
        if request.params.get("limitBytes"):
            data = data[: int(request.params["limitBytes"])]
        return aiohttp.web.Response(body=data, content_type="text/plain", charset="utf-8")

    async def _list_selected(self, request: Any) -> dict[str, Any]:
        terms = [t.split("=", 1) for t in request.params["fieldSelector"].split(",") if "=" in t]
        async with self._lock:
            items = [copy.deepcopy(dict(o.raw)) for (r, ns, _), o in self._objects.items()
                     if r == request.resource and not o.deleted
                     and (request.namespace is None or ns == request.namespace)]

        def value(obj: Any, path: str) -> Any:
            for part in path.split("."):
                obj = obj.get(part) if isinstance(obj, dict) else None
            return obj

        kept = [o for o in items if all(str(value(o, k.rstrip("="))) == v for k, v in terms)]
        return {"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": str(self._rv)}, "items": kept}


# --- running it --------------------------------------------------------------------------


@dataclass
class EmulatedCluster:
    """A running emulator: where it is, how to reach it, and handles for tests."""

    emulator: OpenClawEmulator
    url: str
    kubeconfig_path: Path
    context: str
    token: str
    _loop: asyncio.AbstractEventLoop = field(repr=False)

    def _call(self, fn: Any) -> Any:
        async def run() -> Any:
            async with self.emulator._lock:
                return fn()
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=10)

    def read(self, resource_name: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        """A copy of the stored object (``resource_name`` like "deployments"), or None."""
        return self._call(lambda: self.emulator._find(RESOURCES[resource_name], namespace, name))

    def versions(self, resource_name: str, namespace: str | None, name: str) -> int:
        """How many stored versions the object has (1 = never written through the API)."""
        return self._call(lambda: len(self.emulator.objects[RESOURCES[resource_name], namespace, name].history))

    def fail(self, method: str, path: str, status: int, *, times: int | None = 1, message: str | None = None,
             retry_after: int | None = None) -> None:
        """Answer the next ``times`` requests ``method path`` (exact path, no query) with ``status``."""
        fault = Fault(method.upper(), path, status, times, message, retry_after)
        self._call(lambda: self.emulator.faults.append(fault))

    def set_controller(self, mode: ControllerMode) -> None:
        """How the played controller reacts to the next writes: "ready", "fail" or "off"."""
        self.emulator.controller = mode

    def reconcile(self, namespace: str, name: str, mode: ControllerMode = "ready") -> None:
        """Play the controller now for one deployment (e.g. after writes made with it "off")."""
        self.emulator.controller = mode
        asyncio.run_coroutine_threadsafe(self.emulator._reconcile(namespace, name), self._loop).result(timeout=10)

    def after_mutation(self, hook: Any) -> None:
        """Call ``hook(request)`` each time a real (not dry-run) deployment write has been stored, before the
        client gets its answer (e.g. to kill the client right after its mutation reached the server);
        None removes it."""
        self.emulator.on_mutation = hook

    def set_logs(self, namespace: str, pod: str, text: str, *, container: str, previous: bool = False) -> None:
        """What ``pods/log`` answers for the container (``previous``: its previous, terminated instance)."""
        self._call(lambda: self.emulator.logs.__setitem__((namespace, pod, container, previous), text))

    def seed(self, objects: Iterable[Mapping[str, Any]] = (),
             logs: Iterable[LogScript | Mapping[str, Any]] = ()) -> None:
        """Add (or replace) Kubernetes objects and scripted logs while the emulator runs."""
        items, scripts = list(objects), [LogScript.of(entry) for entry in logs]

        def apply() -> None:
            self.emulator._rv += 1
            store(self.emulator.objects, items, created=CREATED, rv=self.emulator._rv)
            self.emulator.logs.update({script.key: script.text for script in scripts})

        self._call(apply)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request seen so far: ``{"method", "path", "query"}``."""
        return list(self.emulator.journal)

    def mutations(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] != "GET"]


def write_kubeconfig(path: Path, *, server: str, context: str, token: str, namespace: str = "awoooi-prod") -> Path:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": context, "cluster": {"server": server}}],
        "users": [{"name": f"{context}-user", "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": f"{context}-user",
                                                   "namespace": namespace}}],
        "current-context": context,
    }))
    return path


@contextmanager
def emulated_cluster(
    tmp_dir: Path,
    *,
    workloads: Workloads | None = DEFAULT_WORKLOADS,
    objects: Iterable[Mapping[str, Any]] = (),
    logs: Iterable[LogScript | Mapping[str, Any]] = (),
    controller: bool | ControllerMode = True,
    context: str = "kmock",
) -> Iterator[EmulatedCluster]:
    """Run a seeded emulator on 127.0.0.1 and write ``tmp_dir/kubeconfig``; stop it on exit.

    ``workloads`` (None: none) are seeded first, then ``objects`` (full Kubernetes objects, stored
    by kind, their namespaces created) and ``logs`` (``{namespace, pod, container, previous, text}``).
    """
    items, scripts = list(objects), [LogScript.of(entry) for entry in logs]
    mode: ControllerMode = "ready" if controller is True else "off" if controller is False else controller
    token = f"emulator-{secrets.token_hex(12)}"
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="kmock-emulator", daemon=True)
    thread.start()

    async def start() -> tuple[OpenClawEmulator, Server]:
        emulator = OpenClawEmulator(token=token, controller=mode)
        for res, (kind, namespaced) in SCOPE.items():  # served even while empty (a list is [] then, not 404)
            emulator.resources[res] = ResourceInfo(kind=kind, namespaced=namespaced, verbs={"get", "list"})
        if workloads is not None:
            _seed(emulator.objects, workloads)
        store(emulator.objects, items, created=CREATED)
        emulator.logs.update({script.key: script.text for script in scripts})
        await emulator.__aenter__()
        server = Server(emulator)
        await server.__aenter__()
        return emulator, server

    async def stop(emulator: OpenClawEmulator, server: Server) -> None:
        await server.__aexit__(None, None, None)
        await emulator.__aexit__(None, None, None)

    try:
        emulator, server = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
        url = f"http://127.0.0.1:{server.port}"
        path = write_kubeconfig(Path(tmp_dir) / "kubeconfig", server=url, context=context, token=token)
        try:
            yield EmulatedCluster(emulator, url, path, context, token, loop)
        finally:
            asyncio.run_coroutine_threadsafe(stop(emulator, server), loop).result(timeout=30)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m openclaw.testing.kube [DIR]``: the emulator with :data:`DEMO_WORKLOADS` until Ctrl-C."""
    import sys
    import tempfile
    import time

    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else Path(tempfile.mkdtemp(prefix="openclaw-cluster-"))
    directory.mkdir(parents=True, exist_ok=True)
    with emulated_cluster(directory, workloads=DEMO_WORKLOADS) as ec:
        print(f"emulated cluster on {ec.url} (Ctrl-C to stop); in another shell:\n"
              f"  export KUBECONFIG={ec.kubeconfig_path}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
