"""Split a text into requests: kubectl command spans, and natural-language triggers with their scope.

A *request* is one thing the text asks for ("restart X", "scale Y to 3", "kubectl logs P").
Clauses are cut at sentence ends and chaining conjunctions ("and then", "然後"); inside a
clause each trigger owns the text up to the next trigger, and the first one also owns the
words before it (so "把 awoooi-api 重啟" finds its object). This module only locates; the
arguments are resolved in :mod:`openclaw.providers.rules.extract`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from typing import Literal

from openclaw.models.tools import MAX_COMMAND_CHARS
from openclaw.providers.rules.entities import ROLE_NOUNS, is_name_like, item_word
from openclaw.providers.rules.lexicon import (
    CLAUSE_SPLIT, CODE, COMMAND_LEAD, CONCEPT, KIND_ORDER, KUBECTL, MAX_SCAN_CHARS, NEGATION, SENTENCE_END, TRIGGERS,
)

MAX_REQUESTS = 24
"""At most this many requests are read from one text (bounds the work on hostile input)."""

Kind = Literal["kubectl", "alert", "scale", "restart", "logs", "destroy", "stop", "show", "continue"]

_SHELL_CHARS = frozenset(";|&<>`$")
_SPAN_STOP = frozenset(
    "and then also please to so because for if after before now asap first next but which that or plus "
    "afterwards immediately right thanks thx".split()
)
_SPAN_TOKEN = re.compile(r"[ \t]+([^\s`]+)")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff01-\uff65]")
_CONTINUATION_FILLER = re.compile(
    r"^[\s,，、]*(?:(?:the|a|an|our|my|also|too|as\s+well|deployment|deploy|pods?|service|和|跟|與|与|以及|還有|还有)\s*)*",
    re.I,
)


@dataclass(frozen=True)
class Request:
    """One request; ``[start, end)`` is its scope, ``[trig_start, trig_end)`` the words that name it."""

    kind: Kind
    start: int
    end: int
    trig_start: int
    trig_end: int
    clause_end: int


def scan_text(text: str) -> str:
    """The part of ``text`` that is scanned at all (bounded, so hostile input stays cheap)."""
    return text[:MAX_SCAN_CHARS] if isinstance(text, str) else ""


def kubectl_spans(text: str) -> list[tuple[int, int]]:
    """Where ``kubectl ...`` commands sit in the text.

    A command runs until a conjunction, CJK text, a backtick or the end of the sentence. If
    it contains shell syntax (``;``, ``|``, ``$(``...) the rest of the line is kept with it, so
    that the refusal shows the whole thing instead of silently running its first half.
    """
    spans = []
    for m in KUBECTL.finditer(text):
        if len(spans) >= MAX_REQUESTS:
            break
        if spans and m.start() < spans[-1][1]:
            continue
        end = m.end()
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        pos = end
        for _ in range(60):
            t = _SPAN_TOKEN.match(text, pos, line_end)
            if not t:
                break
            tok = t.group(1)
            if _SHELL_CHARS & set(tok):
                end = min(line_end, m.start() + MAX_COMMAND_CHARS + 64)
                break
            if tok.lower() in _SPAN_STOP or _CJK.search(tok):
                cut = _CJK.search(tok)
                if cut and cut.start() > 0 and tok.lower() not in _SPAN_STOP:
                    end = t.start(1) + cut.start()
                break
            stripped = tok.rstrip(".,!?)，。")
            end = t.start(1) + len(stripped)
            pos = t.end()
            if stripped != tok:
                break
        else:  # longer than any real command: keep the whole line so that it is refused, not cut short
            end = min(line_end, m.start() + MAX_COMMAND_CHARS + 64)
        spans.append((m.start(), end))
    return spans


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    parts, last = [], 0
    for s, e in spans:
        parts.append(text[last:s])
        parts.append(" " * (e - s))
        last = e
    parts.append(text[last:])
    return "".join(parts)


def _clauses(text: str) -> list[tuple[int, int]]:
    out, last = [], 0
    for m in CLAUSE_SPLIT.finditer(text):
        if m.start() > last:
            out.append((last, m.start()))
        last = m.end()
    if last < len(text):
        out.append((last, len(text)))
    return out


def _triggers(text: str, start: int, end: int) -> list[tuple[int, int, Kind]]:
    found: list[tuple[int, int, Kind]] = []
    for kind in KIND_ORDER:
        for n, m in enumerate(TRIGGERS[kind].finditer(text, start, end)):
            if n >= MAX_REQUESTS:
                break
            if any(s < m.end() and m.start() < e for s, e, _ in found):
                continue
            if NEGATION.search(text[max(start, m.start() - 40) : m.start()]):
                continue
            if kind == "stop" and not _is_command(text, start, m.start()):
                continue
            found.append((m.start(), m.end(), kind))  # type: ignore[arg-type]
    found.sort()
    merged: list[tuple[int, int, Kind]] = []
    for trig in found:
        if merged and (merged[-1][2] == trig[2] or (merged[-1][2] == "show" and trig[2] == "logs")):
            s, _, _ = merged.pop()
            trig = (s, trig[1], trig[2])
        merged.append(trig)
    return merged


@lru_cache(maxsize=64)
def find_requests(text: str) -> tuple[str, str, str, tuple[Request, ...]]:
    """(scanned text, text with kubectl spans blanked, the same with code/concept talk blanked, requests).

    Requests inside "write a script that restarts X" or "how does a rolling restart work?"
    describe something and are dropped; the third text hides those sentences from the
    symptom and name scans too.
    """
    scanned = scan_text(text)
    spans = kubectl_spans(scanned)
    masked = _mask(scanned, spans)
    requests = [Request("kubectl", s, e, s, e, e) for s, e in spans]
    previous: Kind | None = None
    for c_start, c_end in _clauses(masked):
        if len(requests) >= MAX_REQUESTS:
            break
        trigs = _triggers(masked, c_start, c_end)
        if not trigs:
            if previous in ("restart", "scale", "logs", "show") and _is_continuation(masked, c_start, c_end):
                requests.append(Request("continue", c_start, c_end, c_start, c_start, c_end))
            elif masked[c_start:c_end].strip():
                previous = None
            continue
        for i, (t_start, t_end, kind) in enumerate(trigs):
            scope_start = c_start if i == 0 else t_start
            scope_end = trigs[i + 1][0] if i + 1 < len(trigs) else c_end
            requests.append(Request(kind, scope_start, scope_end, t_start, t_end, c_end))
            previous = kind
    talk = _talk_spans(masked)
    if talk:
        requests = [r for r in requests if not any(s <= r.trig_start < e for s, e in talk)]
    requests.sort(key=lambda r: r.trig_start)
    return scanned, masked, _mask(masked, talk), tuple(requests[:MAX_REQUESTS])


def _talk_spans(text: str) -> list[tuple[int, int]]:
    """From "write a script" / "how does" to the end of its sentence: requests there are described."""
    spans: list[tuple[int, int]] = []
    for pattern in (CODE, CONCEPT):
        for m in pattern.finditer(text):
            if len(spans) >= MAX_REQUESTS:
                break
            if spans and m.start() < spans[-1][1]:
                continue
            end = SENTENCE_END.search(text, m.end())
            spans.append((m.start(), end.start() if end else len(text)))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


_PART_START = re.compile(r"[,:，：]")


def _is_command(text: str, start: int, at: int) -> bool:
    """Only lead-in words ("please", "can you") come before ``at`` in its clause part ("api went down, stop it")."""
    begin = max(start, at - 80)
    for m in _PART_START.finditer(text, begin, at):
        begin = m.end()
    lead = COMMAND_LEAD.match(text, begin, at)
    return lead is not None and lead.end() == at


def _is_continuation(text: str, start: int, end: int) -> bool:
    """A clause like "awoooi-web too" right after "restart awoooi-api and"."""
    rest = text[start:end]
    lead = _CONTINUATION_FILLER.match(rest)
    words = rest[lead.end() if lead else 0 :].split()
    if not 0 < len(words) <= 4:
        return False
    first = words[0].rstrip(".,!?")
    if is_name_like(first) or first.lower() in ROLE_NOUNS:
        return True
    # "scale api to 2 and billing to 3": a plain word counts when it reads as the next object.
    return item_word(first) and len(words) > 1 and words[1].lower() in ("to", "too", "deployment", "service")
