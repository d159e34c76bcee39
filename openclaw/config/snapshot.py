"""The exact config a run used: every YAML file of the config directory, by name, with its sha256.

Each run records the hashes; the texts are stored once per hash, so a replay (or a
bundle on another machine) can run under the very config the original run saw.
The alert catalog is recorded as the engine reads it: ``alerts.yaml`` (the shipped one when
the directory has none) and each ``alerts.d/<file>.yaml`` under that name.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from openclaw.config.alerts import ALERTS_DIR, ALERTS_FILE, catalog_path, extension_files

CONFIG_FILES = ("routing.yaml", "providers.yaml", "trust.yaml", "approvers.yaml", "executor.yaml", ALERTS_FILE)
_EXTENSION_NAME = re.compile(re.escape(ALERTS_DIR) + r"/[A-Za-z0-9_][A-Za-z0-9_.-]*\.yaml")
"""A snapshot name for a file of alerts.d/: one plain file name, nothing that could leave the directory."""


def _sources(directory: Path) -> list[tuple[str, Path]]:
    """(snapshot name, path) of every config file the engine reads from ``directory``."""
    out = [(name, catalog_path(directory) if name == ALERTS_FILE else directory / name) for name in CONFIG_FILES]
    out += [(f"{ALERTS_DIR}/{path.name}", path) for path in extension_files(directory)]
    return out


def snapshot_configs(directory: Path) -> dict[str, dict[str, str]]:
    """``{file name: {"sha256": ..., "text": ...}}`` for the config files present in ``directory``."""
    out: dict[str, dict[str, str]] = {}
    for name, path in _sources(Path(directory)):
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        out[name] = {"sha256": hashlib.sha256(raw).hexdigest(), "text": raw.decode("utf-8", errors="replace")}
    return out


def write_configs(snapshot: dict[str, dict[str, str]], directory: Path) -> Path:
    """Write a snapshot back as files (for a replay under the original config)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, entry in snapshot.items():
        if name not in CONFIG_FILES and not _EXTENSION_NAME.fullmatch(name):
            raise ValueError(f"unexpected config file {name!r} in snapshot")
        path = directory / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(entry["text"], encoding="utf-8")
    return directory
