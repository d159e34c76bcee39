"""Cold start: a command loads only what it uses (checked in a fresh interpreter's ``sys.modules``).

Covers: ``openclaw run`` in plan mode with no vendor configured loads no LLM SDK (openai,
langchain_openai, ollama, langchain_ollama) and not the kubernetes client; with
NVIDIA_API_KEY set (its base URL a refused loopback port) the OpenAI-compatible adapter
and its SDK are loaded and Ollama's are not; with OLLAMA_BASE_URL the reverse; the cheap
commands and early refusals (``--help``, ``runs list``, ``policy check``, ``approvers
list``, ``keys generate``, ``approve``/``reject`` with a missing key file or an unknown
run, a missing argument) load neither LangGraph nor LangChain nor any SDK nor the
kubernetes client, and do not build the engine. No timing is asserted: the figures are
``openclaw bench startup``'s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from openclaw.testing.llm_sim import refused_url

REPO = Path(__file__).resolve().parents[2]
INCIDENT = str(REPO / "examples" / "restart-api.json")
OPENAI_SDK = ("openai", "langchain_openai")
OLLAMA_SDK = ("ollama", "langchain_ollama")
HEAVY = ("langgraph", "langchain_core", "langsmith", *OPENAI_SDK, *OLLAMA_SDK, "kubernetes", "openclaw.engine")

# Runs the CLI in-process (exactly what the console script does), then lists the top-level packages loaded.
PROBE = """
import json, sys
from openclaw.cli.main import main
try:
    code = main(sys.argv[2:])
except SystemExit as exc:  # argparse's --help
    code = exc.code
loaded = sorted({name for name in sys.modules if not name.startswith("_")})
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "modules": loaded}, out)
"""


@pytest.fixture
def probe(tmp_path: Path):
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    base["OPENCLAW_HOME"] = str(tmp_path / "home")

    def run(*argv: str, **env: str) -> tuple[int, set[str]]:
        out = tmp_path / "probe.json"
        done = subprocess.run([sys.executable, "-c", PROBE, str(out), *argv], cwd=REPO, env={**base, **env},
                              capture_output=True, text=True, timeout=300)
        assert out.exists(), done.stderr[-3000:]
        report = json.loads(out.read_text())
        return report["code"], set(report["modules"])

    return run


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [n for n in names if n in modules]


def test_a_plan_run_with_no_vendor_loads_no_llm_sdk_and_no_kubernetes(probe):
    code, modules = probe("run", INCIDENT, "--json")
    assert code == 0
    assert "langgraph" in modules  # the probe sees what the run used
    assert _loaded(modules, (*OPENAI_SDK, *OLLAMA_SDK, "kubernetes")) == []


def test_a_configured_openai_compatible_vendor_loads_only_its_sdk(probe):
    code, modules = probe("run", INCIDENT, "--json", NVIDIA_API_KEY="nvapi-test", NVIDIA_API_BASE_URL=refused_url())
    assert code == 0
    assert _loaded(modules, OPENAI_SDK) == list(OPENAI_SDK)
    assert _loaded(modules, OLLAMA_SDK) == []


def test_a_configured_ollama_loads_only_its_sdk(probe):
    code, modules = probe("run", INCIDENT, "--json", OLLAMA_BASE_URL=refused_url())
    assert code == 0
    assert _loaded(modules, OLLAMA_SDK) == list(OLLAMA_SDK)
    assert _loaded(modules, OPENAI_SDK) == []


@pytest.mark.parametrize(
    ("argv", "code"),
    [(["--help"], 0), (["runs", "list"], 0), (["runs", "list", "--json"], 0), (["policy", "check"], 0),
     (["approvers", "list"], 0), (["approve"], 2), (["run"], 2), (["runs", "show", "run-nope"], 2)],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)  # fmt: skip
def test_cheap_commands_load_no_graph_no_sdk_no_cluster_client(probe, argv, code):
    got, modules = probe(*argv)
    assert got == code
    assert _loaded(modules, HEAVY) == []


def test_key_commands_and_approval_refusals_load_no_graph(probe, tmp_path):
    keys = tmp_path / "keys"
    got, modules = probe("keys", "generate", "alice", "--out", str(keys))
    assert got == 0 and (keys / "alice.key").exists()
    assert _loaded(modules, HEAVY) == []

    config = tmp_path / "configs"
    config.mkdir()
    for name in ("routing.yaml", "providers.yaml", "trust.yaml", "approvers.yaml", "executor.yaml"):
        if (REPO / "configs" / name).exists():
            (config / name).write_text((REPO / "configs" / name).read_text())
    got, _ = probe("approvers", "add", "alice", "--public-key", str(keys / "alice.pub"), "--group", "sre",
                   "--config-dir", str(config))
    assert got == 0

    for argv in (["approve", "run-nope", "--key", str(tmp_path / "missing.key")],
                 ["reject", "run-nope", "--key", str(tmp_path / "missing.key"), "--reason", "no"],
                 ["approve", "run-nope", "--key", str(keys / "alice.key"), "--config-dir", str(config)],
                 ["reject", "run-nope", "--key", str(keys / "alice.key"), "--reason", "no", "--config-dir", str(config)]):
        got, modules = probe(*argv)
        assert got == 2, argv
        assert _loaded(modules, HEAVY) == [], argv


def test_a_command_builds_only_its_own_parser(probe):
    code, modules = probe("run", INCIDENT, "--json")
    assert code == 0
    assert "openclaw.cli.run" in modules
    assert _loaded(modules, ("openclaw.cli.serve", "openclaw.cli.bench", "openclaw.cli.replay")) == []
    code, modules = probe("-v", "reject", "--help")  # reject lives in approve's module; -v before it is allowed
    assert code == 0
    assert "openclaw.cli.approve" in modules and "openclaw.cli.run" not in modules


GC_PROBE = """
import gc, json, sys
from openclaw import coldstart
from openclaw.cli.main import main
coldstart.pause()  # what the console script does first
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}, out)
"""


def _gc_after(tmp_path: Path, *argv: str) -> dict:
    out = tmp_path / "gc.json"
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    done = subprocess.run([sys.executable, "-c", GC_PROBE, str(out), *argv], cwd=REPO,
                          env={**env, "OPENCLAW_HOME": str(tmp_path / "home")}, capture_output=True, text=True,
                          timeout=300)
    assert out.exists(), done.stderr[-3000:]
    return json.loads(out.read_text())


def test_the_collector_is_back_on_once_the_engine_is_open(tmp_path):
    report = _gc_after(tmp_path, "run", INCIDENT, "--json")
    assert report["code"] == 0
    assert report["enabled"] is True  # runs after start-up are collected as usual
    assert report["frozen"] > 100_000  # what start-up built was moved out of the collector's way


def test_a_short_command_ends_with_the_collector_still_paused(tmp_path):
    report = _gc_after(tmp_path, "runs", "list")
    assert report == {"code": 0, "enabled": False, "frozen": 0}
