"""``openclaw bench storm``: one Alertmanager webhook of many alerts, from the POST to the last decision.

The webhook (version 4) holds ``alerts`` firing alerts about ``subjects`` distinct workloads, with
the labels of the kubernetes-mixin rules (``KubePodCrashLooping``, ``KubeDeploymentReplicasMismatch``,
…, ``job="kube-state-metrics"``) and distinct fingerprints; the pods of a deployment are named
``<deployment>-7d4b9c8f6-<5 characters>``, so the incident loader groups every alert about one
workload into one incident (:func:`openclaw.models.alert_labels.group_key`).

The app (:func:`openclaw.server.create_app`) runs in-process on a temporary ``OPENCLAW_HOME``,
plan mode, no cluster, with NIM configured against the loopback LLM simulator answering every
request after ``llm_latency_ms``. The bench posts the webhook with ``?wait=false`` and measures:

- ``accept_s``: the POST until its 202 (every run recorded);
- ``last_decision_s``: the POST until no accepted run is ``running`` any more (polling the runs);
- ``incidents``, ``llm_requests`` (chat requests the simulator received), and LLM requests per
  alert and per distinct subject. A known alert's evidence rounds are the catalog's reads (the
  embedded rules ask for them, no LLM request); the model is asked once they are in, and again
  only if it asks for more reads (``llm_steps``: the decide steps that asked the model or were
  refused by its budget, counted from the run results). NIM's rate budget (providers.yaml, 60
  requests a minute by default; ``NEMOTRON_RPM_LIMIT``) holds in a storm too: a step over it is
  answered by the rules without a request (``llm_over_budget``).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from openclaw.settings import load_settings

RULES = (
    ("KubePodCrashLooping", "warning", "pod", "Pod {namespace}/{pod} ({container}) is in waiting state (reason: \"CrashLoopBackOff\")."),
    ("KubePodNotReady", "warning", "pod", "Pod {namespace}/{pod} has been in a non-ready state for longer than 15 minutes."),
    ("KubeContainerWaiting", "warning", "pod", "pod/{pod} in namespace {namespace} on container {container} has been in waiting state for longer than 1 hour."),
    ("KubeDeploymentReplicasMismatch", "warning", "deployment", "Deployment {namespace}/{deployment} has not matched the expected number of replicas for longer than 15 minutes."),
    ("KubeDeploymentRolloutStuck", "warning", "deployment", "Rollout of deployment {namespace}/{deployment} is not progressing for longer than 15 minutes."),
)
"""(alertname, severity, subject label, description) of kubernetes-mixin rules about a workload."""

NAMESPACES = ("shop-prod", "payments-prod", "search-prod", "platform")
SERVICES = ("api", "web", "worker", "checkout", "cart", "ledger", "indexer", "gateway", "auth", "mailer")
_POD_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def storm_webhook(alerts: int = 1000, subjects: int = 50, *, seed: int = 7) -> dict[str, Any]:
    """An Alertmanager webhook (version 4) of ``alerts`` firing alerts about ``subjects`` distinct deployments."""
    if alerts < 1 or subjects < 1 or subjects > alerts:
        raise ValueError("a storm needs at least one alert and one subject, and no more subjects than alerts")
    rng = random.Random(seed)
    workloads = [(NAMESPACES[i % len(NAMESPACES)], f"{SERVICES[i % len(SERVICES)]}-{i // len(SERVICES)}")
                 for i in range(subjects)]
    start = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
    items = []
    for i in range(alerts):
        namespace, deployment = workloads[i % subjects]
        alertname, severity, kind, text = RULES[(i // subjects) % len(RULES)]
        labels = {"alertname": alertname, "severity": severity, "namespace": namespace,
                  "job": "kube-state-metrics", "instance": "10.0.3.17:8080", "prometheus": "monitoring/k8s"}
        if kind == "pod":
            pod = f"{deployment}-7d4b9c8f6-{''.join(rng.choice(_POD_CHARS) for _ in range(5))}"
            labels.update(pod=pod, container=deployment.rsplit("-", 1)[0])
        else:
            labels["deployment"] = deployment
        labels["uid"] = f"{i:06d}"  # one series per alert: distinct labels, distinct fingerprints
        fingerprint = hashlib.sha256(repr(sorted(labels.items())).encode()).hexdigest()[:16]
        items.append({
            "status": "firing", "labels": labels, "fingerprint": fingerprint,
            "annotations": {"description": text.format(**{"pod": "", "container": "", **labels,
                                                          "deployment": deployment}),
                            "runbook_url": f"https://runbooks.prometheus-operator.dev/runbooks/kubernetes/{alertname.lower()}",
                            "summary": f"{alertname} on {namespace}/{deployment}"},
            "startsAt": (start + timedelta(seconds=i % 300)).isoformat().replace("+00:00", "Z"),
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": f"http://prometheus.monitoring:9090/graph?g0.expr={alertname}",
        })
    return {"version": "4", "status": "firing", "receiver": "openclaw", "groupKey": '{}:{severity="warning"}',
            "truncatedAlerts": 0, "groupLabels": {"severity": "warning"}, "commonLabels": {"job": "kube-state-metrics"},
            "commonAnnotations": {}, "externalURL": "http://alertmanager.monitoring:9093", "alerts": items}


async def run_bench(*, alerts: int = 1000, subjects: int = 50, llm_latency_ms: int = 200, llm_rpm: int | None = None,
                    poll_s: float = 0.2, home: Path | None = None) -> dict[str, Any]:  # fmt: skip
    """Post one storm webhook to the app with ``?wait=false``; return the figures (see the module docstring).
    ``llm_rpm`` replaces NIM's rate budget (``NEMOTRON_RPM_LIMIT``); None keeps providers.yaml's."""
    from openclaw.server import create_app
    from openclaw.testing.llm_sim import LLMSimulator
    from openclaw.testing.llm_sim_replies import Stall, Text

    webhook = storm_webhook(alerts, subjects)
    reply = Text("Nothing to change from here: the alert needs a human look at the workload's logs.")
    with tempfile.TemporaryDirectory(prefix="openclaw-bench-storm-") as tmp, LLMSimulator() as sim:
        sim.set_hook(lambda _body: Stall(llm_latency_ms / 1000, then=reply) if llm_latency_ms > 0 else reply,
                     prefix="nim")
        environ = {"NVIDIA_API_KEY": "nvapi-bench", "NVIDIA_API_BASE_URL": sim.openai_url("nim")}
        if llm_rpm is not None:
            environ["NEMOTRON_RPM_LIMIT"] = str(llm_rpm)
        settings = load_settings(home=home or tmp, environ=environ)
        app = create_app(settings, recover_on_start=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://openclaw", timeout=600) as client:
                started = time.perf_counter()
                response = await client.post("/v1/alertmanager", params={"wait": "false"}, json=webhook)
                accept_s = time.perf_counter() - started
                if response.status_code != 202:
                    raise RuntimeError(f"the webhook was answered {response.status_code}: {response.text[:300]}")
                body = response.json()
                run_ids = [r["run_id"] for r in body["runs"]]
                results = await _wait_settled(client, run_ids, poll_s)
                last_decision_s = time.perf_counter() - started
        llm_requests = len(sim.chat_requests("nim"))
    incidents = len(run_ids)
    statuses = Counter(r.get("status", "?") for r in results)
    asked = [a for r in results for a in r.get("attempts") or []
             if a.get("node") == "decide" and a.get("provider") == "nim"]
    over_budget = sum(1 for a in asked if a.get("outcome") == "budget_exceeded")
    return {
        "alerts": alerts,
        "subjects": subjects,
        "llm_latency_ms": llm_latency_ms,
        "max_concurrent_runs": settings.server.max_concurrent_runs,
        "accept_s": round(accept_s, 3),
        "last_decision_s": round(last_decision_s, 3),
        "incidents": incidents,
        "rejected": len(body["rejected"]),
        "statuses": dict(sorted(statuses.items())),
        "llm_steps": len(asked),
        "llm_attempts_recorded": len(asked) - over_budget,
        "llm_over_budget": over_budget,
        "llm_requests": llm_requests,
        "llm_calls_per_alert": round(llm_requests / alerts, 3),
        "llm_calls_per_subject": round(llm_requests / subjects, 2),
    }


async def _wait_settled(client: httpx.AsyncClient, run_ids: list[str], poll_s: float) -> list[dict[str, Any]]:
    """Poll ``GET /v1/runs/{id}`` until no run is ``running``; the final run results."""
    final: dict[str, dict[str, Any]] = {}
    pending = list(run_ids)
    while pending:
        still = []
        for run_id in pending:
            response = await client.get(f"/v1/runs/{run_id}")
            result = response.json() if response.status_code == 200 else {"status": f"http_{response.status_code}"}
            if result.get("status") == "running":
                still.append(run_id)
            else:
                final[run_id] = result
        pending = still
        if pending:
            await asyncio.sleep(poll_s)
    return [final[run_id] for run_id in run_ids]

