"""What a text contains, measured once and shared by intent and complexity.

Every field is a plain count or flag computed from the precompiled patterns in
:mod:`.lexicon`; nothing here decides anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from openclaw.providers.rules import entities as ent
from openclaw.providers.rules.lexicon import (
    IC, ALERT_FORMAT, ANALYSIS, CODE, CRITICAL_WORDS, FIX, GREETING, MULTI_STEP, QUESTION, SYMPTOMS, VAGUE,
)
from openclaw.providers.rules.requests import Request, find_requests

_RESOURCE_WORDS = re.compile(
    r"\b(?:pods?|deployments?|deploys?|services?|svc|nodes?|events?|running|replicas?)\b|容器組|容器组|部署|服務|服务|節點|节点|事件|副本",
    IC,
)


@dataclass(frozen=True)
class Parsed:
    """One text taken apart: what was scanned, kubectl spans blanked, requests, namespaces, names."""

    scanned: str
    masked: str
    quiet: str
    requests: tuple[Request, ...]
    namespaces: tuple[tuple[str, int, int], ...]
    entities: tuple[ent.Entity, ...]


@lru_cache(maxsize=64)
def parse(text: str) -> Parsed:
    """Take ``text`` apart once; intent, complexity and extraction of the same text share it."""
    scanned, masked, quiet, requests = find_requests(text)
    namespaces = ent.find_namespaces(quiet)
    excluded = [(s, e) for _, s, e in namespaces]
    excluded += [m.span() for m in islice(ent.INCIDENT_ID.finditer(quiet), ent.MAX_ENTITIES)]
    entities = ent.find_entities(quiet, excluded)
    if not namespaces:
        bare = [c for c in ent.find_bare_in(quiet) if _names_a_workload_before(quiet, c[3], entities, requests)]
        if bare:
            name, start, end, _ = bare[0]
            namespaces = [(name, start, end)]
            entities = [e for e in entities if not (e.start < end and start < e.end)]
    entities = ent.named_after_namespaces(quiet, namespaces, entities)
    return Parsed(scanned, masked, quiet, requests, tuple(namespaces), tuple(entities))


_PART_START = re.compile(r"[.!?](?=\s)|[,;:，；：。！？\n]")


def _names_a_workload_before(text: str, at: int, entities: list[ent.Entity], requests: tuple[Request, ...]) -> bool:
    """Whether the clause before ``at`` ("... in X") already names what X holds.

    A workload (an entity, or the object of a request: "restart billing in finance"), a
    resource word ("the pods in finance") or "what's running". Without one, "errors in
    checkout" is not read as a namespace.
    """
    begin = max(0, at - 200)
    for m in _PART_START.finditer(text, begin, at):
        begin = m.end()
    if any(begin <= e.start and e.end <= at for e in entities):
        return True
    if _RESOURCE_WORDS.search(text, begin, at):
        return True
    for req in requests:
        if req.kind in ("kubectl", "alert", "continue") or not begin <= req.trig_end <= at:
            continue
        word = ent.word_after(text, req.trig_end, at)
        if word and ent.item_word(word[0]):
            return True
    return False


@dataclass(frozen=True)
class Signals:
    """Counts and flags for one text (only its first MAX_SCAN_CHARS characters)."""

    words: int
    chars: int
    requests: tuple[Request, ...]
    targeted: int          # requests whose target is given (a name, a resource, a kubectl command)
    untargeted: int        # requests with nothing to act on ("restart it" with no antecedent)
    destroy: int           # destructive requests (delete, drain, exec, rollback ...)
    symptoms: frozenset[str]
    fix: bool
    analysis: int          # distinct analysis phrases ("root cause", "why", "分析")
    alert_format: bool
    code: bool
    greeting: bool
    question: bool         # question wording ("what is", "how do I", "什麼是")
    question_mark: bool
    critical: bool
    multi_step: bool
    vague: bool
    workloads: int         # distinct workload names mentioned


@lru_cache(maxsize=64)
def measure(text: str) -> Signals:
    """The signals of ``text`` (cached: the pipeline asks for intent and complexity of one text)."""
    parsed = parse(text if isinstance(text, str) else "")
    scanned, masked, quiet = parsed.scanned, parsed.masked, parsed.quiet
    requests, entities = parsed.requests, list(parsed.entities)
    targeted = untargeted = destroy = 0
    for req in requests:
        if req.kind == "continue":
            continue
        if _has_target(masked, req, entities):
            targeted += 1
            destroy += req.kind == "destroy"
        else:
            untargeted += 1
    analysis = {m.group().lower() for m in islice(ANALYSIS.finditer(quiet), 16)}
    return Signals(
        words=len(scanned.split()),
        chars=len(text) if isinstance(text, str) else 0,
        requests=tuple(requests),
        targeted=targeted,
        untargeted=untargeted,
        destroy=destroy,
        symptoms=frozenset(name for name, p in SYMPTOMS.items() if p.search(quiet)),
        fix=FIX.search(quiet) is not None,
        analysis=len(analysis),
        alert_format=ALERT_FORMAT.search(quiet) is not None,
        code=CODE.search(masked) is not None,
        greeting=GREETING.search(masked) is not None,
        question=QUESTION.search(masked) is not None,
        question_mark=masked.rstrip().endswith(("?", "？")),
        critical=CRITICAL_WORDS.search(quiet) is not None,
        multi_step=MULTI_STEP.search(quiet) is not None,
        vague=VAGUE.search(quiet) is not None,
        workloads=len({e.name for e in entities}),
    )


def _has_target(masked: str, req: Request, entities: list[ent.Entity]) -> bool:
    if req.kind in ("kubectl", "alert"):
        return True
    if any(req.start <= e.start < req.end for e in entities):
        return True
    if req.kind == "show" and _RESOURCE_WORDS.search(masked, req.start, req.end):
        return True
    word = ent.word_after(masked, req.trig_end, req.end)
    if req.kind == "scale" and ent.find_replicas(masked, req.start, req.end) is not None:
        # "bring catalog down to zero replicas" names its object; "scale to 3" needs an earlier one.
        return bool(word and ent.item_word(word[0])) or any(e.end <= req.start for e in entities)
    if word and ent.usable_word(word[0]):
        return True
    return req.kind != "show" and any(e.end <= req.start for e in entities)
