"""A new vendor is its module plus its entries in providers.yaml and routing.yaml.

Covers: a vendor module dropped next to the shipped ones (``acme``, OpenAI-compatible, with a
key, a base-URL, a model and a limit variable) is found by ``VENDORS`` with no other code
change; its variables reach the settings; routing.yaml and providers.yaml accept its name;
the engine asks it (through the real OpenAI client, against the loopback simulator) with its
key, at its URL, with the model its model variable names; the run records it among the
configured providers and its exchange under its name; without its key the attempt is
``unavailable`` naming ACME_API_KEY; its limit variable sets its budget. The shipped vendors
keep their variables, hints and adapters.

The extra module lives in a temporary directory added to the package's search path in a
subprocess, so the registry of this test process is untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from openclaw.providers.vendors import VENDORS

REPO = Path(__file__).resolve().parents[2]

ACME = '''
from openclaw.providers.vendors.spec import Vendor

VENDOR = Vendor(
    name="acme",
    title="Acme LLM",
    adapter="openai_compat",
    key_env="ACME_API_KEY",
    base_url_env="ACME_BASE_URL",
    default_base_url="https://llm.acme.invalid/v1",
    model_envs={"ACME_MODEL": "acme-large"},
    rpm_env="ACME_RPM_LIMIT",
    order=50,
)
'''

SCRIPT = '''
import asyncio, importlib.util, json, shutil, sys
from pathlib import Path

extra, work = Path(sys.argv[1]), Path(sys.argv[2])
spec = importlib.util.find_spec("openclaw.providers.vendors")
spec.submodule_search_locations.append(str(extra))
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)

import yaml
from openclaw.engine import Engine
from openclaw.models.incident import Incident
from openclaw.providers.factories import provider_factories
from openclaw.providers.recording import recording_transports
from openclaw.settings import load_settings, shipped_config_dir
from openclaw.testing.llm_sim import LLMSimulator, ToolCall
from openclaw.wiring import build_registry

configs = work / "configs"
shutil.copytree(shipped_config_dir(), configs)
routing = yaml.safe_load((configs / "routing.yaml").read_text())
for route in routing["routes"].values():
    route["primary"] = "acme/acme-large"
(configs / "routing.yaml").write_text(yaml.safe_dump(routing))
providers = yaml.safe_load((configs / "providers.yaml").read_text())
providers["providers"]["acme"] = {"kind": "openai_compat", "rpm_limit": 30}
(configs / "providers.yaml").write_text(yaml.safe_dump(providers))

incident = Incident(description="The API is not responding, please restart the awoooi-api deployment",
                    namespace="awoooi-prod")


async def run(settings):
    registry = build_registry(settings, transports=recording_transports())
    async with Engine(settings, registry=registry) as engine:
        result = await engine.run(incident)
        environment = engine.environment()
        vendors = sorted({x["vendor"] for x in engine.store.exchanges(result["run_id"])})
    return result, environment, vendors


with LLMSimulator() as sim:
    sim.set_default(ToolCall("restart_deployment", {"deployment": "awoooi-api", "namespace": "awoooi-prod"}),
                    prefix="acme")
    env = {"ACME_API_KEY": "acme-key", "ACME_BASE_URL": sim.openai_url("acme"), "ACME_MODEL": "acme-large-2",
           "ACME_RPM_LIMIT": "7"}
    settings = load_settings(config_dir=configs, home=work / "home", environ=env)
    result, environment, recorded = asyncio.run(run(settings))
    requests = [{"model": r.model, "auth": r.headers.get("authorization")} for r in sim.chat_requests("acme")]
    budget = provider_factories(settings)["acme"]().budget.rpm
    keyless = load_settings(config_dir=configs, home=work / "home2", environ={})
    missing, _, _ = asyncio.run(run(keyless))

print(json.dumps({
    "vendors": list(module.VENDORS),
    "settings": {"base_url": settings.providers["acme"].base_url, "models": settings.providers["acme"].models},
    "decision_provider": result["decision"]["provider"],
    "decision_model": result["decision"]["model"],
    "environment": environment,
    "recorded": recorded,
    "requests": requests,
    "budget_rpm": budget,
    "missing": [a for a in missing["attempts"] if a["provider"] == "acme"],
}))
'''


@pytest.fixture
def acme(tmp_path: Path) -> dict:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "acme.py").write_text(textwrap.dedent(ACME))
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    env["OPENCLAW_HOME"] = str(tmp_path / "home")
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(extra), str(tmp_path)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_new_vendor_module_is_found_configured_and_asked(acme):
    assert acme["vendors"] == ["nim", "ollama", "gemini", "claude", "acme"]
    assert acme["settings"]["base_url"].endswith("/acme/v1")
    assert acme["settings"]["models"] == {"acme-large": "acme-large-2"}
    assert acme["decision_provider"] == "acme" and acme["decision_model"] == "acme-large-2"
    assert acme["requests"] and all(r == {"model": "acme-large-2", "auth": "Bearer acme-key"} for r in acme["requests"])
    assert acme["environment"]["providers"] == ["acme"]
    assert acme["environment"]["acme_model"] == "acme-large-2"
    assert acme["recorded"] == ["acme"]
    assert acme["budget_rpm"] == 7


def test_a_new_vendor_without_its_key_is_unavailable_naming_the_variable(acme):
    assert acme["missing"], "the chain names acme first: its attempt must be recorded"
    assert {a["outcome"] for a in acme["missing"]} == {"unavailable"}
    assert all("ACME_API_KEY is not set" in a["error"] for a in acme["missing"])


def test_shipped_vendors_keep_their_variables_and_adapters():
    declared = {name: (v.adapter, v.key_env, v.base_url_env, v.default_base_url, tuple(v.model_envs), v.rpm_env,
                       v.tpm_env) for name, v in VENDORS.items()}  # fmt: skip
    assert declared == {
        "nim": ("openai_compat", "NVIDIA_API_KEY", "NVIDIA_API_BASE_URL", "https://integrate.api.nvidia.com/v1",
                ("NEMOTRON_TOOL_MODEL", "NEMOTRON_REASONING_MODEL"), "NEMOTRON_RPM_LIMIT", "NEMOTRON_TPM_LIMIT"),
        "ollama": ("ollama", None, "OLLAMA_BASE_URL", "http://localhost:11434", (), None, None),
        "gemini": ("openai_compat", "GEMINI_API_KEY", "GEMINI_BASE_URL",
                   "https://generativelanguage.googleapis.com/v1beta/openai/", (), None, None),
        "claude": ("openai_compat", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "https://api.anthropic.com/v1/",
                   (), None, None),
    }  # fmt: skip
    assert VENDORS["nim"].missing_hint == "NVIDIA_API_KEY is not set; export NVIDIA_API_KEY=nvapi-... to use NVIDIA NIM"
    assert VENDORS["ollama"].missing_hint.startswith("OLLAMA_BASE_URL is not set; export OLLAMA_BASE_URL=")
