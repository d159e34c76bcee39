"""Alerts through the whole graph against the emulated cluster: evidence first, through the LLM's loop too.

Covers: with an LLM (the real ChatOpenAI client against the loopback simulator), a known alert's
catalog reads are made first without an LLM request, then the model is asked once with every read's
result as a tool message; its restart of a crash-looping pod is withheld with the reason and a page
goes out instead; the evidence is in the run result and its stored copy. An unknown alert is the
model's to explore: its own read is made and its result goes back to it in the next request. A catalog remediation whose
condition holds (a Running-but-not-ready pod of a Deployment, via alerts.d) is proposed after the
reads and waits for approval in production; a resolved webhook then cancels the request (audited,
the run ends expired with the reason), from the CLI as from the engine. Bad alerts leave a record:
a label naming a pod the cluster does not have (the 404 is evidence, the run is not failed), no
labels at all, an unknown critical alert (one readable page).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from openclaw.cli.main import main
from openclaw.models.incident import load_incidents
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.settings import load_settings, shipped_config_dir
from openclaw.signoff import resolve_alert
from openclaw.testing.kube import emulated_cluster
from openclaw.testing.llm_sim import LLMSimulator
from openclaw.testing.llm_sim_replies import ToolCall
from openclaw.wiring import open_engine

pytestmark = pytest.mark.asyncio

CRASHING = "awoooi-worker-7d4b9c8f6-x2k9p"  # the emulator's default workloads: container worker in CrashLoopBackOff
WEDGED = "wedged-6f7d8c9b4f-h2k9p"


def _webhook(labels, *, status="firing", annotations=None, starts="2026-11-27T03:00:00Z"):
    return {"version": "4", "status": status, "groupKey": "{}:{alertname=\"x\"}", "alerts": [
        {"status": status, "labels": labels, "startsAt": starts,
         "fingerprint": hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16],
         "annotations": annotations or {"description": f"{labels.get('alertname')} is firing",
                                        "runbook_url": "https://runbooks.example/x"}}]}


def _settings(tmp_path, ec, config_dir=None, **env):
    environ = {"KUBECONFIG": str(ec.kubeconfig_path), "OPENCLAW_KUBE_CONTEXT": ec.context,
               "OPENCLAW_HOME": str(tmp_path / "home"), **env}
    return load_settings(environ=environ, config_dir=config_dir)


async def test_the_llm_decides_once_the_catalog_reads_are_in_and_its_restart_of_a_crash_loop_is_withheld(tmp_path):
    restart = ToolCall("restart_deployment", {"deployment": "awoooi-worker", "namespace": "awoooi-prod"})
    with LLMSimulator() as sim, emulated_cluster(tmp_path) as ec:
        ec.seed(logs=[{"namespace": "awoooi-prod", "pod": CRASHING, "container": "worker", "previous": True,
                       "text": "starting worker\npanic: QUEUE_URL is not set\n"}])
        sim.set_default(restart, prefix="nim")
        settings = _settings(tmp_path, ec, NVIDIA_API_KEY="nvapi-test", NVIDIA_API_BASE_URL=sim.openai_url("nim"))
        payload = _webhook({"alertname": "KubePodCrashLooping", "severity": "critical", "namespace": "awoooi-prod",
                            "pod": CRASHING, "container": "worker", "job": "kube-state-metrics"})
        [incident] = load_incidents(payload).incidents
        async with open_engine(settings) as engine:
            result = await engine.run(incident)
            stored = engine.store.get(result["run_id"])
        requests = [r.body for r in sim.requests if r.body and "messages" in r.body]

    assert result["decision"]["provider"] == "nim" and result["decision"]["phase"] == "final"
    assert [w["name"] for w in result["decision"]["withheld"]] == ["restart_deployment"]
    assert "supports no automated restart_deployment" in result["decision"]["withheld"][0]["reason"]
    assert not any(a["name"] == "restart_deployment" for a in result["actions"])
    [page] = [a for a in result["actions"] if a["name"] == "send_alert"]
    assert "QUEUE_URL is not set" in page["args"]["message"] and result["run_id"] in page["args"]["message"]
    kinds = {e["kind"] for e in result["evidence"]}
    assert {"pod_status", "events", "logs_previous"} <= kinds
    assert result["decision"]["rests_on"] == [e["id"] for e in result["evidence"]]
    assert stored["evidence"] == result["evidence"]
    # The catalog's reads cost no LLM request; the model was asked once, with every read's result.
    [request] = requests
    tool_messages = [m for m in request["messages"] if m.get("role") == "tool"]
    assert len(tool_messages) == len(result["evidence"]) and "CrashLoopBackOff" in json.dumps(tool_messages)
    assert "alertname: KubePodCrashLooping" in json.dumps(request["messages"])


async def test_an_unknown_alert_is_the_models_to_explore_and_each_read_goes_back_to_it(tmp_path):
    read = ToolCall("get_logs", {"pod": CRASHING, "namespace": "awoooi-prod", "container": "worker", "previous": True})
    restart = ToolCall("restart_deployment", {"deployment": "awoooi-worker", "namespace": "awoooi-prod"})
    with LLMSimulator() as sim, emulated_cluster(tmp_path) as ec:
        ec.seed(logs=[{"namespace": "awoooi-prod", "pod": CRASHING, "container": "worker", "previous": True,
                       "text": "panic: QUEUE_URL is not set\n"}])
        sim.enqueue(read, prefix="nim")
        sim.set_default(restart, prefix="nim")
        settings = _settings(tmp_path, ec, NVIDIA_API_KEY="nvapi-test", NVIDIA_API_BASE_URL=sim.openai_url("nim"))
        payload = _webhook({"alertname": "WorkerQueueStuck", "severity": "warning", "namespace": "awoooi-prod",
                            "pod": CRASHING})
        async with open_engine(settings) as engine:
            result = await engine.run(load_incidents(payload).incidents[0])
        requests = [r.body for r in sim.requests if r.body and "messages" in r.body]

    assert len(requests) >= 2
    assert not any(m.get("role") == "tool" for m in requests[0]["messages"])
    asked = next(e for e in result["evidence"] if e["kind"] == "logs_previous")
    assert asked["round"] == 1 and asked["why"] == "asked for by the model" and "QUEUE_URL" in asked["finding"]
    assert "QUEUE_URL is not set" in json.dumps([m for m in requests[1]["messages"] if m.get("role") == "tool"])
    assert "not in the alert catalog" in result["decision"]["withheld"][0]["reason"]
    assert not any(a["mutating"] for a in result["actions"])


def _wedged_objects():
    meta = {"namespace": "awoooi-prod", "creationTimestamp": "2026-11-27T02:00:00Z"}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                  "metadata": {**meta, "name": "wedged", "uid": "d-1", "generation": 1},
                  "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "app", "image": "w:1"}]}}},
                  "status": {"replicas": 1, "readyReplicas": 0, "updatedReplicas": 1, "availableReplicas": 0,
                             "observedGeneration": 1}}
    replicaset = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                  "metadata": {**meta, "name": "wedged-6f7d8c9b4f", "uid": "rs-1", "ownerReferences": [
                      {"apiVersion": "apps/v1", "kind": "Deployment", "name": "wedged", "uid": "d-1",
                       "controller": True}]},
                  "spec": {"replicas": 1}, "status": {"replicas": 1, "readyReplicas": 0}}
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {**meta, "name": WEDGED, "uid": "p-1", "ownerReferences": [
               {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "wedged-6f7d8c9b4f", "uid": "rs-1",
                "controller": True}]},
           "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "w:1"}]},
           "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
                      "containerStatuses": [{"name": "app", "ready": False, "restartCount": 0,
                                             "state": {"running": {"startedAt": "2026-11-27T02:00:05Z"}}}]}}
    return [deployment, replicaset, pod]


def _config_with_wedged_remediation(tmp_path: Path) -> Path:
    cfg = tmp_path / "configs"
    shutil.copytree(shipped_config_dir(), cfg)
    (cfg / "alerts.d").mkdir()
    (cfg / "alerts.d" / "wedged.yaml").write_text(yaml.safe_dump({"alerts": {"WedgedApp": {
        "source": "our own rules", "meaning": "the app stops answering its readiness probe until restarted",
        "subject": {"kind": "pod", "name_label": "pod", "namespace_label": "namespace"},
        "evidence": ["pod_status", "events", "owner"], "page": "never", "runbook_url": "https://runbooks.example/w",
        "remediation": [{"tool": "restart_deployment", "when": "running_not_ready",
                         "why": "a known deadlock that a restart clears"}]}}}))
    return cfg


async def test_a_supported_remediation_waits_for_approval_and_a_resolved_alert_cancels_it(tmp_path, capsys):
    labels = {"alertname": "WedgedApp", "severity": "warning", "namespace": "awoooi-prod", "pod": WEDGED}
    with emulated_cluster(tmp_path, objects=_wedged_objects()) as ec:
        cfg = _config_with_wedged_remediation(tmp_path)
        settings = _settings(tmp_path, ec, config_dir=cfg)
        [incident] = load_incidents(_webhook(labels)).incidents
        async with open_engine(settings) as engine:
            result = await engine.run(incident)
        assert result["status"] == "awaiting_approval"
        [restart] = [a for a in result["actions"] if a["name"] == "restart_deployment"]
        assert restart["args"] == {"deployment": "wedged", "namespace": "awoooi-prod"}
        assert restart["verdict"] == "approval" and restart["index"] > max(
            e["action_index"] for e in result["evidence"])  # proposed only after the reads
        assert result["subject"]["owner"] == {"kind": "deployment", "name": "wedged", "guessed": False,
                                              "replicaset": "wedged-6f7d8c9b4f"}

        resolved = tmp_path / "resolved.json"
        resolved.write_text(json.dumps(_webhook(labels, status="resolved")))
        env = {"KUBECONFIG": str(ec.kubeconfig_path), "OPENCLAW_KUBE_CONTEXT": ec.context,
               "OPENCLAW_HOME": str(tmp_path / "home")}
        with pytest.MonkeyPatch.context() as mp:
            for key, value in env.items():
                mp.setenv(key, value)
            code = await asyncio.to_thread(main, ["run", str(resolved), "--json", "--config-dir", str(cfg)])
        assert code == 0
        out = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
        assert out == [{"resolved": {"id": incident.id, "run_id": result["run_id"], "cancelled": True}}]
        assert ec.mutations() == []  # nothing was ever applied

        async with open_engine(settings) as engine:
            done = engine.store.get(result["run_id"])
        [cancelled] = [a for a in done["actions"] if a["name"] == "restart_deployment"]
        assert done["status"] == "expired" and cancelled["status"] == "expired"
        assert any("WedgedApp resolved" in r for r in cancelled["reasons"])
        kinds = [e.kind for e in AuditLog(settings.state_db).entries(run_id=result["run_id"])]
        assert "alert_resolved" in kinds and "approvals_cancelled" in kinds


async def test_a_resolved_alert_without_a_run_is_still_recorded(tmp_path):
    with emulated_cluster(tmp_path) as ec:
        settings = _settings(tmp_path, ec)
        loaded = load_incidents(_webhook({"alertname": "KubePodCrashLooping", "namespace": "awoooi-prod",
                                          "pod": CRASHING}, status="resolved"))
        assert not loaded.incidents
        async with open_engine(settings) as engine:
            outcome = await resolve_alert(engine, loaded.resolved[0])
        assert outcome == {"id": loaded.resolved[0]["id"], "run_id": None, "cancelled": False}
        assert [e.kind for e in AuditLog(settings.state_db).entries()][-1] == "alert_resolved"


async def test_bad_alerts_leave_a_clear_record(tmp_path):
    with emulated_cluster(tmp_path) as ec:
        settings = _settings(tmp_path, ec)
        missing = load_incidents(_webhook({"alertname": "KubePodCrashLooping", "severity": "warning",
                                           "namespace": "awoooi-prod", "pod": "awoooi-api-7d4b9c8f6-zz9qk"})).incidents[0]
        bare = load_incidents({"version": "4", "alerts": [{"status": "firing", "labels": {}}]}).incidents[0]
        unknown = load_incidents(_webhook({"alertname": "PaymentsQueueStuck", "severity": "critical",
                                           "namespace": "awoooi-prod"})).incidents[0]
        async with open_engine(settings) as engine:
            gone = await engine.run(missing)
            nothing = await engine.run(bare)
            odd = await engine.run(unknown)

    pod_read = next(e for e in gone["evidence"] if e["kind"] == "pod_status")
    assert pod_read["status"] == "failed" and "404" in pod_read["finding"]
    assert gone["status"] == "completed" and not gone["error"]
    assert nothing["status"] == "completed" and nothing["subject"]["kind"] == "cluster" and not nothing["error"]
    [page] = [a for a in odd["actions"] if a["name"] == "send_alert"]
    assert page["args"]["message"].startswith("[CRITICAL] PaymentsQueueStuck: namespace")
    assert odd["subject"] == {**odd["subject"], "kind": "namespace", "namespace": "awoooi-prod", "source": "labels"}


async def test_an_alert_run_with_its_evidence_rounds_replays_identically_offline(tmp_path, capsys):
    payload = _webhook({"alertname": "KubePodCrashLooping", "severity": "critical", "namespace": "awoooi-prod",
                        "pod": CRASHING, "container": "worker", "job": "kube-state-metrics"})
    with emulated_cluster(tmp_path) as ec:
        settings = _settings(tmp_path, ec)
        async with open_engine(settings) as engine:
            result = await engine.run(load_incidents(payload).incidents[0])
    assert len({e["round"] for e in result["evidence"]}) >= 2  # the reads took more than one round
    with pytest.MonkeyPatch.context() as mp:  # the cluster is gone: the replay runs from the recording
        mp.setenv("OPENCLAW_HOME", str(tmp_path / "home"))
        mp.delenv("KUBECONFIG", raising=False)
        code = await asyncio.to_thread(main, ["replay", result["run_id"], "--json"])
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (code, report["identical"], report["differences"]) == (0, True, [])
