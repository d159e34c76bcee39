"""`openclaw run` against a cluster: the real `kubernetes` client, kmock's emulator, a kubeconfig file.

Covers, through `openclaw.cli.main.main(["run", FILE, "--json", ...])` with KUBECONFIG set:
a read runs for real (status executed, a summary in the result, the API exchanges kept in the
internal `exchanges` field of the checkpoint but not in the run result, one `execution` audit
entry); a mutation in a non-production namespace is a server-side dry run (status dry_run, the
object unchanged, the request carried dryRun=All); `--apply` restarts and scales for real
(status executed, verification succeeded, the object changed); `mode: apply` in executor.yaml
applies without the flag; without KUBECONFIG the same incident is planned even with
`mode: apply`; `--context` selects a kubeconfig context (the current one points at a dead
port); an unknown context is one line and exit 2; `ActionRunner.current_replicas` (and its async
twin) reads the deployment (None in plan mode; a failed read raises LookupError naming the cause); the engine closes the cluster connection on exit.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from openclaw.cli.main import main
from openclaw.engine import Engine
from openclaw.storage.sqlite.audit import AuditLog
from openclaw.settings import load_settings
from openclaw.testing.kube import EmulatedCluster, emulated_cluster
from openclaw.storage import open_storage
from openclaw.wiring import build_action_runner, open_engine

REPO = Path(__file__).resolve().parents[2]
STAGING = "awoooi-staging"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
FAST = {"verify_timeout_s": 5, "poll_interval_s": 0.02, "max_retries": 1, "backoff_s": 0.01}


def _config_dir(tmp_path: Path, **executor: object) -> Path:
    target = tmp_path / "configs"
    shutil.copytree(REPO / "configs", target, ignore=shutil.ignore_patterns("k8s"))
    (target / "executor.yaml").write_text(yaml.safe_dump({**FAST, **executor}))
    return target


@pytest.fixture
def ec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedCluster]:
    with emulated_cluster(tmp_path) as running:
        monkeypatch.setenv("KUBECONFIG", str(running.kubeconfig_path))
        monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(_config_dir(tmp_path)))
        yield running


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], description: str, *flags: str,
         expect: int = 0) -> dict:
    path = tmp_path / "incident.json"
    path.write_text(json.dumps({"id": "INC-7", "description": description, "requested_by": "oncall"}))
    code = main(["run", str(path), "--json", *flags])
    out = capsys.readouterr()
    assert code == expect, out.err
    [result] = [json.loads(line) for line in out.out.splitlines() if line.strip()]
    return result


def _deployment(ec: EmulatedCluster, name: str = "awoooi-api", ns: str = STAGING) -> dict:
    obj = ec.read("deployments", ns, name)
    assert obj is not None
    return obj


def test_read_runs_for_real_with_a_summary(ec, tmp_path, capsys) -> None:
    result = _run(tmp_path, capsys, "Show me all pods in awoooi-prod namespace")
    [action] = result["actions"]
    assert (action["name"], action["status"], result["status"]) == ("kubectl_get", "executed", "completed")
    assert action["result"]["count"] == 7 and action["result"]["namespace"] == "awoooi-prod"
    assert any(p["name"].startswith("awoooi-worker-") for p in action["result"]["items"])
    assert "exchanges" not in action
    assert [(r["method"], r["path"]) for r in ec.requests] == [("GET", "/api/v1/namespaces/awoooi-prod/pods")]
    entries = [e for e in AuditLog(load_settings().state_db).entries(result["run_id"]) if e.kind == "execution"]
    assert [(e.payload["name"], e.payload["status"], e.payload["mode"]) for e in entries] == [
        ("kubectl_get", "executed", "dry_run")]


@pytest.mark.asyncio
async def test_exchanges_are_kept_in_the_checkpoint_not_in_the_result(ec) -> None:
    from openclaw.models.incident import Incident

    async with open_engine(load_settings()) as engine:
        result = await engine.run(Incident(description="show deployment awoooi-api in namespace awoooi-staging"))
        values = (await engine.checkpoint(result["run_id"]))["values"]
    [internal] = values["actions"]
    [exchange] = internal["exchanges"]
    assert (exchange["method"], exchange["status"]) == ("GET", 200)
    assert exchange["path"] == "/apis/apps/v1/namespaces/awoooi-staging/deployments/awoooi-api"
    assert "exchanges" not in result["actions"][0]
    assert result["actions"][0]["result"]["item"]["desired"] == 1


def test_mutation_dry_runs_by_default_and_leaves_the_object_unchanged(ec, tmp_path, capsys) -> None:
    before = _deployment(ec)
    result = _run(tmp_path, capsys, "restart deployment awoooi-api in namespace awoooi-staging")
    [action] = result["actions"]
    assert (action["verdict"], action["status"], result["status"]) == ("auto", "dry_run", "completed")
    assert action["result"]["dry_run"] is True and action["result"]["restarted_at"]
    assert _deployment(ec) == before and ec.versions("deployments", STAGING, "awoooi-api") == 1
    [patch] = ec.mutations()
    assert patch["query"].get("dryRun") == "All"


def test_apply_restarts_for_real(ec, tmp_path, capsys) -> None:
    result = _run(tmp_path, capsys, "restart deployment awoooi-api in namespace awoooi-staging", "--apply")
    [action] = result["actions"]
    assert (action["status"], result["status"]) == ("executed", "completed")
    assert action["result"]["verification"]["outcome"] == "succeeded"
    annotations = _deployment(ec)["spec"]["template"]["metadata"]["annotations"]
    assert annotations[RESTARTED_AT] == action["result"]["restarted_at"]
    assert [m["query"].get("dryRun") for m in ec.mutations()] == ["All", None]  # pre-check, then for real


def test_apply_scales_for_real(ec, tmp_path, capsys) -> None:
    result = _run(tmp_path, capsys, "scale deployment awoooi-api to 2 replicas in namespace awoooi-staging",
                  "--apply")
    [action] = result["actions"]
    assert any(r.startswith("blast_radius: 1 -> 2 replicas") for r in action["reasons"]), "the real count was read"
    assert (action["status"], action["result"]["replicas"]) == ("executed", 2)
    assert action["result"]["verification"]["outcome"] == "succeeded"
    assert _deployment(ec)["spec"]["replicas"] == 2
    real = [m for m in ec.mutations() if "dryRun" not in m["query"]]
    assert [m["path"] for m in real] == ["/apis/apps/v1/namespaces/awoooi-staging/deployments/awoooi-api/scale"]


def test_a_large_scale_out_waits_for_approval_once_the_replica_count_is_known(ec, tmp_path, capsys) -> None:
    result = _run(tmp_path, capsys, "scale deployment awoooi-api to 9 replicas in namespace awoooi-staging", "--apply")
    [action] = result["actions"]
    assert any(r.startswith("blast_radius: 1 -> 9 replicas") for r in action["reasons"])
    assert (action["verdict"], action["status"]) == ("approval", "awaiting_approval")
    assert _deployment(ec)["spec"]["replicas"] == 1 and not ec.mutations()


def test_apply_set_in_executor_yaml(ec, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(_config_dir(tmp_path / "applying", mode="apply")))
    result = _run(tmp_path, capsys, "scale deployment awoooi-api to 2 replicas in namespace awoooi-staging")
    assert result["actions"][0]["status"] == "executed"
    assert _deployment(ec)["spec"]["replicas"] == 2


def test_no_cluster_plans_whatever_executor_yaml_says(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("OPENCLAW_CONFIG_DIR", str(_config_dir(tmp_path, mode="apply")))
    result = _run(tmp_path, capsys, "restart deployment awoooi-api in namespace awoooi-staging", "--apply")
    [action] = result["actions"]
    assert action["status"] == "planned" and action["result"]["calls"][0]["method"] == "PATCH"


def test_context_flag_selects_the_context(ec, tmp_path, capsys, monkeypatch) -> None:
    config = yaml.safe_load(ec.kubeconfig_path.read_text())
    config["clusters"].append({"name": "dead", "cluster": {"server": "http://127.0.0.1:1"}})
    config["contexts"].append({"name": "dead", "context": {"cluster": "dead", "user": config["users"][0]["name"]}})
    config["current-context"] = "dead"
    two = tmp_path / "two-contexts"
    two.write_text(yaml.safe_dump(config))
    monkeypatch.setenv("KUBECONFIG", str(two))
    description = "show deployment awoooi-api in namespace awoooi-staging"

    chosen = _run(tmp_path, capsys, description, "--context", ec.context)
    assert chosen["actions"][0]["status"] == "executed"
    assert len(ec.requests) == 1

    current = _run(tmp_path, capsys, description, "--rerun", expect=1)  # the same incident id, deliberately again
    assert current["actions"][0]["status"] == "failed"
    assert "127.0.0.1:1" in current["actions"][0]["result"]["error"]
    assert len(ec.requests) == 1

    path = tmp_path / "incident.json"
    assert main(["run", str(path), "--json", "--context", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no context 'nope'" in err and "dead" in err


@pytest.mark.asyncio
async def test_current_replicas_reads_the_deployment(ec, monkeypatch) -> None:
    storage = open_storage(load_settings())
    runner = build_action_runner(load_settings(), storage)
    try:
        assert runner.mode == "dry_run" and runner.identity == f"{ec.context}@{ec.url}"
        assert runner.current_replicas("awoooi-prod", "awoooi-api") == 3
        assert await runner.acurrent_replicas("awoooi-prod", "awoooi-web") == 2
        with pytest.raises(LookupError, match=f"reading deployment {STAGING}/ghost failed: .*404"):
            runner.current_replicas(STAGING, "ghost")
    finally:
        runner.close()
    monkeypatch.delenv("KUBECONFIG")
    planner = build_action_runner(load_settings(), storage)
    assert planner.mode == "plan" and planner.current_replicas("awoooi-prod", "awoooi-api") is None
    assert await planner.acurrent_replicas("awoooi-prod", "awoooi-api") is None


@pytest.mark.asyncio
async def test_engine_exit_closes_the_cluster(ec) -> None:
    async with open_engine(load_settings()) as engine:
        assert isinstance(engine, Engine)
        pool = engine.executor.kube.cluster.api_client.rest_client.pool_manager
        await engine.executor.acurrent_replicas(STAGING, "awoooi-api")
        assert pool.pools  # a connection pool was opened
    assert not pool.pools  # ApiClient.close() cleared it
