"""The layering is enforced (kopf-style import-linter contracts in .importlinter).

Covers: cli -> bench -> server/replay -> wiring -> engine -> graphs -> nodes -> libraries ->
store -> configs -> tools -> models, with no upward import; only openclaw.providers imports an LLM SDK
(openai, langchain_openai, langchain_ollama, ollama); only openclaw.kube imports kubernetes; the
vendor declarations (openclaw.providers.vendors) are leaves that settings and configs may read.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
    assert "5 kept, 0 broken" in done.stdout
