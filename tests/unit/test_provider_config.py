"""configs/providers.yaml and the provider factories built from the settings.

Covers: the shipped providers.yaml validates (free-tier limits for nim, aliases for claude);
a wrong ``kind`` and unknown fields are refused naming the file; NEMOTRON_RPM_LIMIT /
NEMOTRON_TPM_LIMIT override nim's limits (an invalid value is an error naming the
variable); factories exist only for vendors with keys
(the registry then names the env var); Ollama only with OLLAMA_BASE_URL, or at the
default URL when providers.yaml enables it; ``enabled: false`` yields ``unavailable``;
providers are built lazily (no client at build time) and carry their budgets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw.errors import ConfigError, ProviderUnavailable
from openclaw.providers.config import effective_limits, load_providers_config
from openclaw.providers.factories import provider_factories
from openclaw.settings import load_settings
from openclaw.wiring import build_registry

REPO = Path(__file__).resolve().parents[2]


def _config_dir(tmp_path: Path, providers_yaml: str) -> Path:
    for name in ("routing.yaml", "trust.yaml", "approvers.yaml"):
        src = REPO / "configs" / name
        if src.exists():
            (tmp_path / name).write_text(src.read_text())
    (tmp_path / "providers.yaml").write_text(providers_yaml)
    return tmp_path


def test_shipped_providers_yaml_is_valid():
    cfg = load_providers_config(REPO / "configs")
    nim = cfg.get("nim")
    assert (nim.rpm_limit, nim.tpm_limit, nim.structured_output) == (60, 100_000, "function_calling")
    assert cfg.get("ollama").structured_output == "json_schema"
    # routing.yaml keeps its model names; each is aliased to a current vendor id, not a retired one.
    retired = {"gemini-1.5-flash", "gemini-1.5-pro", "claude-3-haiku-20240307", "claude-3-5-sonnet-latest"}
    for vendor, routing_names in {"gemini": ("gemini-1.5-flash", "gemini-1.5-pro"),
                               "claude": ("claude-3-haiku", "claude-3-sonnet")}.items():  # fmt: skip
        for routing_name in routing_names:
            assert cfg.get(vendor).vendor_model(routing_name) not in retired | {routing_name}, (vendor, routing_name)
    assert cfg.get("gemini").vendor_model("gemini-1.5-flash") == "gemini-2.5-flash"


@pytest.mark.parametrize(
    ("text", "needle"),
    [("providers:\n  nim: {kind: ollama}\n", "providers.nim.kind must be 'openai_compat'"),
     ("providers:\n  nim: {kind: openai_compat, rpm: 5}\n", "unknown field")],
)
def test_bad_providers_yaml_names_file_and_field(tmp_path, text, needle):
    with pytest.raises(ConfigError, match=needle) as caught:
        load_providers_config(_config_dir(tmp_path, text))
    assert "providers.yaml" in str(caught.value)


def test_env_limits_override_nim():
    settings = load_settings(environ={"NEMOTRON_RPM_LIMIT": "5", "NEMOTRON_TPM_LIMIT": "900"})
    cfg = load_providers_config(REPO / "configs")
    assert effective_limits(settings, "nim", cfg.get("nim")) == (5, 900)
    assert effective_limits(settings, "gemini", cfg.get("gemini")) == (None, None)


@pytest.mark.parametrize(("var", "value"), [("NEMOTRON_RPM_LIMIT", "0"), ("NEMOTRON_TPM_LIMIT", "-5")])
def test_invalid_limit_names_the_env_var(var, value):
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={var: value})
    assert f"{var}={value!r}" in str(caught.value) and "greater than or equal to 1" in str(caught.value)


def test_no_keys_no_factories_and_the_registry_names_the_env_var():
    settings = load_settings(environ={})
    assert provider_factories(settings) == {}
    registry = build_registry(settings)
    with pytest.raises(ProviderUnavailable, match="NVIDIA_API_KEY"):
        registry.get("nim")
    with pytest.raises(ProviderUnavailable, match="OLLAMA_BASE_URL"):
        registry.get("ollama")


def test_keys_give_lazy_providers_with_budgets():
    settings = load_settings(environ={"NVIDIA_API_KEY": "nvapi-x", "GEMINI_API_KEY": "g", "NEMOTRON_RPM_LIMIT": "7"})
    factories = provider_factories(settings)
    assert sorted(factories) == ["gemini", "nim"]
    nim = factories["nim"]()
    assert nim.name == "nim" and nim.budget.rpm == 7 and nim.budget.tpm == 100_000
    assert factories["gemini"]().budget.unlimited


def test_ollama_needs_its_url_or_an_explicit_enable(tmp_path):
    assert "ollama" in provider_factories(load_settings(environ={"OLLAMA_BASE_URL": "http://127.0.0.1:9"}))
    enabled = _config_dir(tmp_path, "providers:\n  ollama: {kind: ollama, enabled: true}\n")
    factories = provider_factories(load_settings(config_dir=enabled, environ={}))
    assert factories["ollama"]()._chat.base_url == "http://localhost:11434"


def test_disabled_vendor_is_unavailable_even_with_a_key(tmp_path):
    cfg_dir = _config_dir(tmp_path, "providers:\n  nim: {kind: openai_compat, enabled: false}\n")
    registry = build_registry(load_settings(config_dir=cfg_dir, environ={"NVIDIA_API_KEY": "nvapi-x"}))
    with pytest.raises(ProviderUnavailable, match="disabled in providers.yaml"):
        registry.get("nim")


def test_a_disabled_vendor_is_not_configured(tmp_path):
    """Its failures are not a degradation (openclaw.nodes.fallback.vendor_failures)."""
    cfg_dir = _config_dir(tmp_path, "providers:\n  nim: {kind: openai_compat, enabled: false}\n")
    registry = build_registry(load_settings(config_dir=cfg_dir, environ={"NVIDIA_API_KEY": "k", "GEMINI_API_KEY": "g"}))
    assert [registry.configured(n) for n in ("nim", "gemini", "claude")] == [False, True, False]
