"""The demo against the emulator the docs describe, and a failed replica lookup that says why.

Covers: `openclaw run examples/demo.json` against `emulated_cluster(workloads=DEMO_WORKLOADS)`
(what `python -m openclaw.testing.kube` serves) behaves as the README says of the demo —
the production restart waits for approval, the read completes, the staging scale-out runs
on its own (a dry run, its blast radius from the live count), the kube-system restart is
denied; against the default workloads, which lack the staging web deployment, the scale
waits for approval and its reason names the cause (the API server's 404), not only "the
lookup failed"; a replay of that run is identical (the cause is recorded).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openclaw.cli.main import main
from openclaw.testing.kube import DEFAULT_WORKLOADS, DEMO_WORKLOADS, emulated_cluster

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.json"


def _demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, workloads) -> dict[str, dict]:
    with emulated_cluster(tmp_path, workloads=workloads) as ec:
        monkeypatch.setenv("KUBECONFIG", str(ec.kubeconfig_path))
        main(["run", str(DEMO), "--json"])
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return {r["incident_id"]: r for r in results}


def test_the_demo_against_the_documented_emulator(tmp_path, monkeypatch, capsys):
    runs = _demo(tmp_path, monkeypatch, capsys, DEMO_WORKLOADS)
    assert runs["INC-2026-001"]["status"] == "awaiting_approval"
    assert runs["INC-2026-002"]["status"] == "completed"
    [scale] = runs["INC-2026-003"]["actions"]
    assert (scale["verdict"], scale["status"]) == ("auto", "dry_run"), scale["reasons"]
    assert any(r.startswith("blast_radius: 2 -> 3 replicas") for r in scale["reasons"])
    assert runs["INC-2026-004"]["status"] == "denied"


def test_a_failed_replica_lookup_names_its_cause_and_replays_identically(tmp_path, monkeypatch, capsys):
    runs = _demo(tmp_path, monkeypatch, capsys, DEFAULT_WORKLOADS)
    [scale] = runs["INC-2026-003"]["actions"]
    assert scale["verdict"] == "approval"
    [reason] = [r for r in scale["reasons"] if r.startswith("blast_radius:")]
    assert "the lookup failed: reading deployment awoooi-staging/awoooi-web failed:" in reason
    assert "404" in reason or "not found" in reason.lower(), reason
    run_id = runs["INC-2026-003"]["run_id"]
    assert main(["replay", run_id]) == 0, capsys.readouterr().out
