"""Shared fixtures. Side effects are off by default: no test can reach a vendor or a cluster.

``clean_environ`` (autouse) scrubs every vendor (``openclaw.providers.vendors``), cluster and telemetry variable and
points OPENCLAW_HOME at a fresh temporary directory for each test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openclaw.providers.vendors import VENDORS

# Every vendor's variables, by their prefixes (NVIDIA_, NEMOTRON_, ...), so the SDKs' own ones (OLLAMA_HOST) go too.
VENDOR_PREFIXES = tuple(sorted({var.split("_", 1)[0] + "_" for v in VENDORS.values() for var in v.env_vars}))
SCRUBBED_PREFIXES = (*VENDOR_PREFIXES, "TELEGRAM_", "OPENCLAW_", "OTEL_", "LANGFUSE_", "OPENAI_")
SCRUBBED = ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key in list(os.environ):
        if key in SCRUBBED or key.startswith(SCRUBBED_PREFIXES):
            monkeypatch.delenv(key, raising=False)
    home = tmp_path / "openclaw-home"
    monkeypatch.setenv("OPENCLAW_HOME", str(home))
    return home


@pytest.fixture
def config_dir() -> Path:
    """The shipped configs/."""
    return REPO / "configs"


@pytest.fixture
def settings(clean_environ: Path):
    from openclaw.settings import load_settings

    return load_settings()
