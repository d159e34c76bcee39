"""Reading incident files for ``openclaw run``: JSON object, list, or Alertmanager webhook."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openclaw.errors import InputError, UsageError
from openclaw.models.incident import LoadedIncidents, Rejected, load_incidents

MAX_INPUT_BYTES = 8 * 1024 * 1024
"""Largest incident file accepted, in bytes."""


@dataclass
class InputFile:
    path: str
    loaded: LoadedIncidents = field(default_factory=LoadedIncidents)
    raw_text: str | None = None
    """The raw text, kept when the whole file is unusable (so the record has it)."""
    text: str | None = None
    """The file's text as read (accepted runs record it as their raw input)."""


def read_input(path: str) -> InputFile:
    """Read and parse one file ('-' is stdin). A missing file is a usage error; bad content is a rejected input."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            p = Path(path)
            if p.is_dir():
                raise UsageError(f"{path} is a directory; give incident files (JSON)")
            with p.open("rb") as fh:
                data = fh.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except PermissionError:
        raise UsageError(f"{path}: permission denied") from None
    text = data[:MAX_INPUT_BYTES].decode("utf-8", errors="replace")
    out = InputFile(path=path, text=text)
    if len(data) > MAX_INPUT_BYTES:
        out.raw_text = text
        out.loaded.rejected.append(Rejected(raw=None, error=f"{path}: larger than {MAX_INPUT_BYTES} bytes"))
        return out
    try:
        parsed: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        out.raw_text = text
        out.loaded.rejected.append(
            Rejected(raw=None, error=f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
        )
        return out
    try:
        out.loaded = load_incidents(parsed)
    except InputError as exc:
        out.raw_text = text
        out.loaded.rejected.append(Rejected(raw=parsed, error=f"{path}: {exc}"))
        return out
    for i, rejected in enumerate(out.loaded.rejected):
        out.loaded.rejected[i] = Rejected(raw=rejected.raw, error=f"{path}: {rejected.error}", incident_id=rejected.incident_id)
    return out
