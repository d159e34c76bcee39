"""The layering is enforced (kopf-style import-linter contracts in .importlinter).

Covers: cli -> bench -> server/replay -> wiring -> engine -> graphs -> nodes -> libraries ->
store -> configs -> tools -> models, with no upward import; only openclaw.providers imports an LLM SDK
(openai, langchain_openai, langchain_ollama, ollama); only openclaw.kube imports kubernetes; the
vendor declarations (openclaw.providers.vendors) are leaves that settings and configs may read; only
the storage adapters import a database driver or a LangGraph checkpointer, and they do not import each other.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
    assert "6 kept, 0 broken" in done.stdout


CHECKPOINTERS = {"langgraph.checkpoint.sqlite": "openclaw/storage/sqlite",
                 "langgraph.checkpoint.postgres": "openclaw/storage/postgres"}
"""Each LangGraph checkpointer and the one adapter that may import it (import-linter cannot forbid a
subpackage of an external package, and langgraph itself is imported everywhere)."""
MAY_IMPORT_CHECKPOINTERS = ("openclaw/bench/",)
"""Left out of the storage-adapters contract in .importlinter too: the benchmarks time a checkpointer itself."""


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_its_adapter_imports_a_langgraph_checkpointer():
    offenders = []
    for path in sorted([*(REPO / "openclaw").rglob("*.py"), *(REPO / "graphs").rglob("*.py")]):
        relative = path.relative_to(REPO).as_posix()
        if relative.startswith(MAY_IMPORT_CHECKPOINTERS):
            continue
        for module in _imported(path):
            for checkpointer, home in CHECKPOINTERS.items():
                if (module == checkpointer or module.startswith(checkpointer + ".")) and not relative.startswith(home):
                    offenders.append(f"{relative} imports {module}")
    assert offenders == []
