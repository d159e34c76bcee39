"""Find the things a request is about: workload names, namespaces, numbers, severity, incident ids.

Names are returned exactly as written (never lower-cased or trimmed inside), so that
validation downstream sees ``KUBE-SYSTEM`` or a Cyrillic look-alike and refuses it. The one
exception is a bare role noun from :data:`ROLE_NOUNS` ("the API", "the worker"): that is a
description, not a name, and is returned in its lower-case vocabulary form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from openclaw.providers.rules.lexicon import NAME_CHAR, TOKEN, IC
from openclaw.providers.rules.numbers import NUMBER, parse_number

EntityKind = Literal["deployment", "pod", "service", "node", "plain", "role"]

ROLE_NOUNS = frozenset(
    "api apis worker workers web frontend front-end backend back-end database db cache redis postgres "
    "postgresql mysql mongo mongodb kafka rabbitmq nginx ingress gateway proxy scheduler queue consumer "
    "producer auth payments payment checkout cart search notifications notifier mailer cron server app ui "
    "dashboard bot crawler indexer router website site".split()
)
STOP_WORDS = frozenset(
    "it its it's them they this that these those everything all any some something anything nothing the a an "
    "our my your their his her one ones me us please now again asap immediately to in on at for of with from "
    "and or then so up down out back over first is are was were be been being if whether by via as safely "
    "gracefully fast quickly right away too there here who what which when how why deployment deployments "
    "deploy pod pods po service services svc node nodes event events namespace namespaces ns replica replicas "
    "instance instances copies logs log alert alerts container containers cluster application thing things "
    "stuff production prod-wide same other another current latest last lines line tail number count "
    "restart bounce reboot recycle kick cycle roll redeploy scale show list get check display view describe "
    "fetch send page notify escalate delete remove drain named called keeps keep has have had does did not "
    "isn't won't can't will should would could might must needs need went goes got gets seems looks returns "
    "throws shows uses runs just still also very really being rollout status".split()
)
_VERB_ENDING = re.compile(r"[a-z]{3,}(?:ing|ed)", re.ASCII)
_HYPHEN_WORDS = frozenset(
    "on-call follow-up real-time up-to-date e-mail long-running built-in read-only out-of-memory multi-step "
    "self-healing non-prod co-worker x-ray re-deploy re-start heads-up high-traffic end-to-end step-by-step "
    "front-end back-end check-in log-in sign-in opt-in add-on well-known so-called cross-namespace "
    "right-now high-priority low-priority high-severity rolling-restart".split()
)
_NOT_NAME = re.compile(
    r"(?:[0-9]+[a-z%]{0,3}|[0-9][0-9:./-]*|k8s|k3s|ec2|s3|2fa|ipv[46]|utf-?8|sev-?[0-9]|p[0-9]|v[0-9.]+"
    r"|http[s0-9]*|[0-9]xx|x[0-9]+|https?:.*|.*://.*|/.*|.*@.*|-.*|.*[<>$].*)",
    IC,
)
INCIDENT_ID = re.compile(r"\b[A-Z][A-Z0-9]{1,11}-[0-9]{1,10}(?:-[0-9A-Z]{1,10}){0,3}\b")
INCIDENT_NUMBER = re.compile(r"\bincident\s*(?:id\s*)?[#:]?\s*([0-9]{1,10})\b", IC)

_TOKEN_RE = re.compile(TOKEN)
_TYPED_SLASH = re.compile(
    rf"\b(deployments?|deploy|deployment\.apps|pods?|po|services?|svc|nodes?|no)/({NAME_CHAR}{{1,253}})", IC
)
_RES_ALIAS = {"deployment": "deployment", "deployments": "deployment", "deploy": "deployment",
              "deployment.apps": "deployment", "pod": "pod", "pods": "pod", "po": "pod", "service": "service",
              "services": "service", "svc": "service", "node": "node", "nodes": "node", "no": "node"}
_TYPE_WORDS = (
    r"(?P<rt>deployments?|deploy|pods?|services?|svc|nodes?|部署|服務|服务|節點|节点|容器組|容器组)"
)
_TYPED_AFTER = re.compile(rf"(?<![\w-]){_TYPE_WORDS}\s*(?:named\s+|called\s+|[:：])?\s*(?P<name>{TOKEN})", IC)
_TYPED_BEFORE = re.compile(
    rf"(?P<name>{TOKEN})\s*(?:這個|这个|該|该|那個|那个|的)?\s*(?P<rt>deployment|deploy|pod|service|svc|node"
    r"|部署|服務|服务|節點|节点)(?![\w-])",
    IC,
)
_ZH_TYPE = {"部署": "deployment", "服務": "service", "服务": "service", "節點": "node", "节点": "node",
            "容器組": "pod", "容器组": "pod"}
_ROLE_RE = re.compile(
    r"\b(?:the|our|my|that|this)\s+(" + "|".join(sorted(map(re.escape, ROLE_NOUNS), key=len, reverse=True))
    + r")\b|\b(" + "|".join(sorted(map(re.escape, ROLE_NOUNS), key=len, reverse=True))
    + r")(?:\s+(?:service|deployment|pods?|app|server|containers?|workers?|is|are|was|keeps|has|seems|went)\b"
    r"|(?=\s*[\u4e00-\u9fff]))",
    IC,
)
_DETERMINERS = re.compile(r"\s*(?:(?:the|our|my|that|this|a|an|its|up|down|out|deployment|deploy|service|svc)\s+)*", IC)
_AFTER_TOKEN = re.compile(rf"\s*({TOKEN})")

_NS_PATTERNS = tuple(
    re.compile(p, IC)
    for p in (
        rf"(?<!\S)(?:-n|--namespace)(?:\s*=\s*|\s+)({TOKEN})",
        rf"\bnamespace\s*(?:=|:|is|named|called)?\s*({TOKEN})",
        rf"\bns\s*(?:=|:)?\s*({TOKEN})",
        rf"(?:命名空間|命名空间|名稱空間|名称空间)\s*[:：=]?\s*({TOKEN})",
        rf"({TOKEN})\s*(?:這個|这个|的)?\s*(?:(?:namespace|ns)(?![\w-])|命名空間|命名空间|名稱空間|名称空间)",
    )
)
# Lowest priority: "in kube-system", "from awoooi-staging": a name shaped like an environment.
_NS_BY_SHAPE = re.compile(
    rf"\b(?:in|from|on|inside|within|在)\s*(?:the\s+)?({TOKEN})", IC
)
_ENV_SHAPED = re.compile(r"(?:^|.*-)(?:prod|production|staging|stage|stg|dev|devel|test|qa|uat|sandbox|system|preprod)$", IC)

_REPLICAS = tuple(
    re.compile(p, IC)
    for p in (
        r"--replicas(?:\s*=\s*|\s+)(-?[0-9]{1,6})",
        rf"\breplicas?\s*(?:=|:|to|of)\s*({NUMBER})",
        rf"(?:\bto\b|\bat\b|=|->|→|到|至|成|為|为)\s*({NUMBER})\s*(?:replicas?|pods?|instances?|copies|nodes?"
        r"|個|个|份|台|副本)?",
        rf"({NUMBER})\s*(?:replicas?|instances?|copies|個副本|个副本|副本)",
    )
)
_TAIL = tuple(
    re.compile(p, IC)
    for p in (
        r"--tail(?:\s*=\s*|\s+)(-?[0-9]{1,6})",
        rf"\b(?:last|latest|recent|final|past|tail|previous|most\s+recent)\s+({NUMBER})\s*(?:log\s+)?"
        r"(?:lines?|entries|rows|log\s+lines)?",
        rf"({NUMBER})\s*(?:log\s+)?(?:lines?|rows|行|條|条)",
        rf"(?:最後|最后|最近|後|后|末尾)\s*({NUMBER})",
    )
)
_CONTAINER = tuple(
    re.compile(p, IC)
    for p in (
        rf"(?<!\S)(?:-c|--container)(?:\s*=\s*|\s+)({TOKEN})",
        rf"\bcontainer\s*(?:named\s+|called\s+|[:=]\s*)?({TOKEN})",
        rf"({TOKEN})\s+container\b",
        rf"容器\s*[:：]?\s*({TOKEN})",
    )
)
SEVERITY_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("critical", re.compile(
        r"\b(?:critical|crit|urgent|emergency|sev[- ]?[01]|p[01]|severe|blocker|high[- ](?:severity|priority))\b"
        r"|緊急|紧急|嚴重|严重|危急|重大|致命", IC)),
    ("warning", re.compile(r"\b(?:warning|warn|sev[- ]?2|p2|medium|moderate)\b|警告", IC)),
    ("info", re.compile(
        r"\b(?:info|informational|fyi|sev[- ]?[34]|p[34]|notice|heads[- ]up|low[- ](?:severity|priority))\b"
        r"|資訊|信息|提示|提醒", IC)),
)


MAX_ENTITIES = 64
"""At most this many names are collected from one text (bounds the work on hostile input)."""


@dataclass(frozen=True)
class Entity:
    """A name mentioned in the text at ``[start, end)``."""

    name: str
    kind: EntityKind
    start: int
    end: int


def clean(token: str) -> str:
    """Drop sentence punctuation stuck to the end of a token (``awoooi-api.`` -> ``awoooi-api``)."""
    return token.rstrip(".,/-_")


def is_name_like(token: str) -> bool:
    """A token that reads as an explicit resource name: a letter and a hyphen, digit or dot inside."""
    low = token.lower()
    if low in STOP_WORDS or low in _HYPHEN_WORDS or low in ROLE_NOUNS or _NOT_NAME.fullmatch(token):
        return False
    if INCIDENT_ID.fullmatch(token):
        return False
    if not any(c.isalpha() for c in token):
        return False
    return any(c == "-" or c.isdigit() or c == "." for c in token[1:-1]) or any(c.isdigit() for c in token)


def usable_word(token: str) -> bool:
    """A token that can stand for a workload when it follows a verb ("restart nginx")."""
    low = token.lower()
    return bool(token) and low not in STOP_WORDS and not _NOT_NAME.fullmatch(token) and not INCIDENT_ID.fullmatch(token)


def role_form(token: str) -> tuple[str, EntityKind]:
    return (token.lower(), "role") if token.lower() in ROLE_NOUNS else (token, "plain")


def find_entities(text: str, excluded: list[tuple[int, int]]) -> list[Entity]:
    """Every workload-like mention in ``text``, in order of position, outside ``excluded`` spans."""
    found: list[Entity] = []
    taken: list[tuple[int, int]] = list(excluded)

    def add(name: str, kind: EntityKind, start: int, end: int) -> None:
        if len(found) >= MAX_ENTITIES or any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(Entity(name, kind, start, end))

    for m in _TYPED_SLASH.finditer(text):
        name = clean(m.group(2))
        if name:
            add(name, _RES_ALIAS[m.group(1).lower()], m.start(), m.end())  # type: ignore[arg-type]
    for pattern in (_TYPED_AFTER, _TYPED_BEFORE):
        for m in pattern.finditer(text):
            name = clean(m.group("name"))
            if not usable_word(name) or name.lower() in ROLE_NOUNS or "/" in name:
                continue
            if _VERB_ENDING.fullmatch(name) and not is_name_like(name):
                continue
            rt = m.group("rt")
            kind = _ZH_TYPE.get(rt) or _RES_ALIAS.get(rt.lower(), "deployment")
            add(name, kind, m.start("name"), m.start("name") + len(name))  # type: ignore[arg-type]
    for m in _TOKEN_RE.finditer(text):
        name, start = clean(m.group()), m.start()
        if name.count("/") == 1:  # "namespace/pod" as alerts write it
            left, _, right = name.partition("/")
            name, start = clean(right), start + len(left) + 1
        if is_name_like(name) and "/" not in name:
            add(name, "pod" if looks_like_pod(name) else "plain", start, start + len(name))
    for m in _ROLE_RE.finditer(text):
        group = 1 if m.group(1) else 2
        add(m.group(group).lower(), "role", m.start(group), m.end(group))
    found.sort(key=lambda e: e.start)
    return found


def word_after(text: str, pos: int, limit: int) -> tuple[str, int] | None:
    """The first usable token after ``pos`` (skipping determiners), and its start."""
    skip = _DETERMINERS.match(text, pos, limit)
    at = skip.end() if skip else pos
    m = _AFTER_TOKEN.match(text, at, limit)
    if not m:
        return None
    return clean(m.group(1)), m.start(1)


def find_namespaces(text: str) -> list[tuple[str, int, int]]:
    """Every namespace mention as (name as written, start, end), in order of position."""
    found: list[tuple[str, int, int]] = []
    *after_keyword, before_keyword = _NS_PATTERNS
    for pattern in after_keyword:
        for n, m in enumerate(pattern.finditer(text)):
            if n >= MAX_ENTITIES:
                break
            name = clean(m.group(1))
            if name and name.lower() not in STOP_WORDS and not name.startswith("-"):
                found.append((name, m.start(1), m.start(1) + len(name)))
    values_at = {start for _, start, _ in found}
    for n, m in enumerate(before_keyword.finditer(text)):
        if n >= MAX_ENTITIES:
            break
        name = clean(m.group(1))
        # "X namespace=Y" names Y, not X.
        if any(m.end() <= v <= m.end() + 3 for v in values_at):
            continue
        if name and name.lower() not in STOP_WORDS and not name.startswith("-"):
            found.append((name, m.start(1), m.start(1) + len(name)))
    if not found:
        for n, m in enumerate(_NS_BY_SHAPE.finditer(text)):
            name = clean(m.group(1))
            if n >= MAX_ENTITIES:
                break
            if "-" in name and _ENV_SHAPED.match(name):
                found.append((name, m.start(1), m.start(1) + len(name)))
    found.sort(key=lambda t: t[1])
    return found


def _first_number(patterns: tuple[re.Pattern[str], ...], text: str, start: int, end: int) -> int | None:
    best: tuple[int, int] | None = None
    for pattern in patterns:
        m = pattern.search(text, start, end)
        if m:
            value = parse_number(m.group(1)) if not m.group(1).lstrip("-").isdigit() else int(m.group(1))
            if value is not None and (best is None or m.start() < best[0]):
                best = (m.start(), value)
    return None if best is None else best[1]


def find_replicas(text: str, start: int, end: int) -> int | None:
    """A replica count in ``text[start:end]`` ("to 3", "3 replicas", "--replicas=3", "三個副本")."""
    return _first_number(_REPLICAS, text, start, end)


def find_tail(text: str, start: int, end: int) -> int | None:
    """A log line count in ``text[start:end]`` ("last 50 lines", "--tail=30", "最後 50 行")."""
    return _first_number(_TAIL, text, start, end)


def find_container(text: str, start: int, end: int) -> str | None:
    for pattern in _CONTAINER:
        m = pattern.search(text, start, end)
        if m:
            name = clean(m.group(1))
            if usable_word(name):
                return name
    return None


def find_severity(text: str, start: int, end: int) -> str | None:
    """The severity word nearest the start of ``text[start:end]``: critical, warning or info."""
    best: tuple[int, str] | None = None
    for severity, pattern in SEVERITY_WORDS:
        m = pattern.search(text, start, end)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), severity)
    return None if best is None else best[1]


def find_incident_id(text: str) -> str | None:
    m = INCIDENT_ID.search(text)
    if m:
        return m.group()
    m = INCIDENT_NUMBER.search(text)
    return m.group(1) if m else None


_POD_FULL = re.compile(r".-(?=[a-z]*[0-9])[a-z0-9]{6,10}-[a-z0-9]{5}$")
_POD_SUFFIX = re.compile(r"-(?=[a-z]*[0-9])[a-z0-9]{6,10}-[a-z0-9]{5}$|-(?=[a-z]*[0-9])[a-z0-9]{5}$")


def looks_like_pod(name: str) -> bool:
    """``awoooi-api-7d9f8c6b5-x2x9q``: a Deployment pod name (ReplicaSet hash and random suffix)."""
    return _POD_FULL.search(name) is not None


def deployment_of_pod(pod: str) -> str:
    """``awoooi-api-7d9f8c6b5-x2x9q`` -> ``awoooi-api`` (Deployment pod naming: ReplicaSet hash + suffix).

    Only suffixes that contain a digit are taken for hashes, so ``awoooi-cache`` stays whole.
    """
    stripped = _POD_SUFFIX.sub("", pod)
    return stripped or pod
