"""The exact config a run used: every YAML file of the config directory, by name, with its sha256.

Each run records the hashes; the texts are stored once per hash, so a replay (or a
bundle on another machine) can run under the very config the original run saw.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

CONFIG_FILES = ("routing.yaml", "providers.yaml", "trust.yaml", "approvers.yaml", "executor.yaml")


def snapshot_configs(directory: Path) -> dict[str, dict[str, str]]:
    """``{file name: {"sha256": ..., "text": ...}}`` for the config files present in ``directory``."""
    out: dict[str, dict[str, str]] = {}
    for name in CONFIG_FILES:
        path = Path(directory) / name
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
        if name not in CONFIG_FILES:
            raise ValueError(f"unexpected config file {name!r} in snapshot")
        (directory / name).write_text(entry["text"], encoding="utf-8")
    return directory
