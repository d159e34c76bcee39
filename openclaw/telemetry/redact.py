"""What prompt and completion text may leave the process: ``[redacted]`` unless capture is on.

With capture on, text is still scrubbed of what looks like a credential (bearer tokens,
``nvapi-``/``sk-`` keys, ``password=...``, PEM private keys) before it is put on a span
or sent to Langfuse.
"""

from __future__ import annotations

import json
import re
from typing import Any

REDACTED = "[redacted]"
MAX_CONTENT_CHARS = 8_000
"""Longest text recorded on one span attribute, in characters (the rest is cut)."""

_SECRETS = (
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\b(?:nvapi|sk|pk|lf|ghp|xox[abp])-[A-Za-z0-9_-]{8,}"),
    re.compile(r"(?i)\b(password|passwd|secret|token|api[_-]?key)\s*[:=]\s*\S+"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
)


def scrub(text: str) -> str:
    """``text`` with credential-looking substrings replaced by ``[redacted]``, cut to MAX_CONTENT_CHARS."""
    for pattern in _SECRETS:
        text = pattern.sub(REDACTED, text)
    return text if len(text) <= MAX_CONTENT_CHARS else text[:MAX_CONTENT_CHARS] + "...[cut]"


def as_text(content: Any) -> str:
    """A LangChain message content (string or list of parts) as one string."""
    if isinstance(content, str):
        return content
    try:
        return json.dumps(content, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(content)


class ContentPolicy:
    """Decides what text is recorded: ``capture=False`` records ``[redacted]``, True records scrubbed text."""

    def __init__(self, capture: bool) -> None:
        self.capture = capture

    def __call__(self, content: Any) -> str:
        return scrub(as_text(content)) if self.capture else REDACTED

    def mask(self, *, data: Any, **_: Any) -> Any:
        """Langfuse's ``mask`` hook: the same policy applied to every string in ``data``."""
        if isinstance(data, str):
            return self(data)
        if isinstance(data, dict):
            return {k: self.mask(data=v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.mask(data=v) for v in data]
        return data
