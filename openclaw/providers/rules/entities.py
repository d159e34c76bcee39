"""Find the things a request is about: workload names, namespaces, numbers, severity, incident ids.

Names are returned exactly as written (never lower-cased or trimmed inside), so that
validation downstream sees ``KUBE-SYSTEM`` or a Cyrillic look-alike and refuses it. The one
exception is a bare role noun from :data:`ROLE_NOUNS` ("the API", "the worker"): that is a
description, not a name, and is returned in its lower-case vocabulary form.

Namespaces come from explicit forms ("-n X", "namespace X", "X 命名空間"), from a name written
before its workload ("awoooi-prod 的 web", "awoooi-staging 裡的 billing", "awoooi-prod's web"),
then from a bare "in X" that ends a clause naming a workload (checked by the caller), then from
an environment-shaped name ("in kube-system"). Status words ("healthy", "ok") are never names.
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
    "throws shows uses runs just still also very really being rollout status stop stopped shut shutdown off "
    "turn take bring wake ring buzz today tonight yesterday tomorrow".split()
)
STATUS_WORDS = frozenset(
    "healthy unhealthy ok okay fine good bad up down running ready unready broken alive dead slow fast working "
    "available unavailable stable unstable degraded pending failing failed crashing stuck hanging "
    "responding responsive unresponsive live online offline normal correct right wrong well sick happy sad busy "
    "idle done finished complete completed stopped started starting serving reachable unreachable look looks seem "
    "seems appear appears feel crashloopbackoff imagepullbackoff errimagepull containercreating terminating "
    "oomkilled evicted unknown succeeded".split()
)
"""Adjectives and status words: "are the nodes healthy?" names no node."""
_ATTRIBUTES = frozenset(
    "cpu memory mem ram disk latency traffic load error errors usage quota limit limits request requests config "
    "configs configmap configmaps secret secrets image images version versions health metric metrics env "
    "variables variable label labels annotation annotations ip port ports dns cert certs certificate "
    "certificates tls volume volumes pvc storage sidecar network owner uptime restarts yaml manifest spec "
    "settings connections throughput bandwidth".split()
)
"""Things a workload has (its CPU, its config): "awoooi-api 的 CPU" does not make awoooi-api a namespace."""
_NOT_ITEM = frozenset(
    "wait see pray monitor watch report retry repeat continue proceed go hope observe investigate verify confirm "
    "notify tell let make try keep leave ensure double-check recheck bleeding paging alerting restarting scaling "
    "deploying rolling spamming flapping retrying looping waiting erroring leaking throttling thrashing pinging "
    "sending firing".split()
)
"""Verbs that can close "restart api and ...": "restart api and wait" restarts one workload."""
_VERB_ENDING = re.compile(r"[a-z]{3,}(?:ing|ed)", re.ASCII)
_PAST_OR_ADVERB = re.compile(r"[a-z]{3,}(?:ed|ly)", re.ASCII | IC)
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
_DETERMINERS = re.compile(
    r"\s*(?:(?:the|our|my|that|this|a|an|its|up|down|out|deployment|deploy|service|svc"
    r"|(?:(?:the\s+)?(?:number|count)\s+of\s+)?replicas?(?:\s+count)?\s+(?:of|for|on|in))\s+)*",
    IC,
)
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
# "awoooi-prod 的 web", "awoooi-staging 裡的 billing", "awoooi-prod's web", "awoooi-staging 的所有 pod":
# the first name is the namespace of what follows it.
_NS_LINK = (
    r"(?:['\u2019]s(?=\s)|\s*(?:裡面的|里面的|裏面的|裡頭的|里头的|裡的|里的|裏的|中的|下的|內的|内的|的))"
)
_NS_OF = re.compile(
    rf"(?P<ns>{TOKEN})(?P<link>{_NS_LINK})\s*(?:所有的?|全部的?|那個|那个|這個|这个|(?:the|all|all\s+the)\s+)?\s*"
    rf"(?:(?P<rt>pods?|deployments?|deploys?|services?|svc|容器組|容器组|部署|服務|服务)(?![\w-])|(?P<name>{TOKEN}))",
    IC,
)
NS_LINK_AFTER = re.compile(rf"{_NS_LINK}\s*(?:所有的?|全部的?|那個|那个|這個|这个)?", IC)
"""The link after a namespace written before its workload ("的", "裡的", "'s"), to skip it."""
_TYPE_JUST_BEFORE = re.compile(
    r"(?:deployments?|deploy|pods?|po|services?|svc|nodes?|container|namespace|ns|-n|--namespace|部署|服務|服务"
    r"|節點|节点|容器組|容器组|容器|命名空間|命名空间)\s*[:：=]?\s*$",
    IC,
)
_CONTAINER_OR_NS_NEXT = re.compile(r"\s*(?:containers?\b|容器(?!組|组)|namespace\b|ns\b|命名空間|命名空间)", IC)
_CONTAINS_LINKS = frozenset("裡面的 里面的 裏面的 裡頭的 里头的 裡的 里的 裏的 中的 下的 內的 内的".split())
# Lowest priority but one: "the billing service in finance." A bare "in X" at the end of a clause.
_BARE_IN = re.compile(rf"\b(?:in|inside|within)\s+(?:the\s+)?({TOKEN})", IC)
_CLAUSE_END_AFTER = re.compile(
    r"\s*(?:(?:please|pls|now|asap|immediately|too|as\s+well)\b\s*)?(?:$|[.,;!?。，；！？\n])", IC
)
_NOT_BARE_NS = frozenset(
    "parallel place order time turn sequence background general progress advance total case fact particular short "
    "full detail details future past meantime bulk batch batches kubernetes k8s cluster clusters production "
    "minute minutes second seconds hour hours day days week a an one two few while awhile bit sync".split()
)
_CAMEL = re.compile(r"[a-z][A-Z]")  # "in CrashLoopBackOff": a state, not a namespace
_REGION = re.compile(r"[a-z]{2}-[a-z]+-[0-9]{1,2}[a-z]?", IC)
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
    return (bool(token) and low not in STOP_WORDS and low not in STATUS_WORDS and not _NOT_NAME.fullmatch(token)
            and not INCIDENT_ID.fullmatch(token))


def item_word(token: str) -> bool:
    """A token that can be one more workload in a list ("restart api, worker and billing")."""
    low = token.lower()
    if not usable_word(token) or "/" in token or low in _ATTRIBUTES or low in _NOT_ITEM or low in _HYPHEN_WORDS:
        return False
    # "billing", "shipping" name services; "restarted", "quickly" do not.
    return is_name_like(token) or not _PAST_OR_ADVERB.fullmatch(token)


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
            if text[m.start("name") - 1 : m.start("name")] in ("'", "\u2019"):  # "today's deploy"
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


_LINKED_NAME = re.compile(rf"{_NS_LINK}\s*(?:(?:the|our|my)\s+)?({TOKEN})", IC)


def named_after_namespaces(text: str, namespaces: list[tuple[str, int, int]], found: list[Entity]) -> list[Entity]:
    """``found`` plus the workload right after a namespace written before it ("awoooi-staging 裡的 billing")."""
    out = list(found)
    for _, _, end in namespaces:
        m = _LINKED_NAME.match(text, end)
        if m is None:
            continue
        name, start = clean(m.group(1)), m.start(1)
        if not item_word(name) or any(e.start < start + len(name) and start < e.end for e in out):
            continue
        kind: EntityKind = "pod" if looks_like_pod(name) else role_form(name)[1]
        out.append(Entity(role_form(name)[0] if kind == "role" else name, kind, start, start + len(name)))
    out.sort(key=lambda e: e.start)
    return out


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
    seen = {start for _, start, _ in found}
    for ns in _namespaces_of(text):
        if ns[1] not in seen:
            found.append(ns)
    if not found:
        for n, m in enumerate(_NS_BY_SHAPE.finditer(text)):
            name = clean(m.group(1))
            if n >= MAX_ENTITIES:
                break
            if "-" in name and _ENV_SHAPED.match(name):
                found.append((name, m.start(1), m.start(1) + len(name)))
    found.sort(key=lambda t: t[1])
    return found


def _workload_shaped(name: str) -> bool:
    """``awoooi-api``, ``api-gateway``: a part of the name is a role noun, so it names a workload."""
    return looks_like_pod(name) or any(part.lower() in ROLE_NOUNS for part in name.split("-"))


def namespace_shaped(name: str) -> bool:
    """``awoooi-prod``, ``team-dev``, ``finance-ns``: written like a namespace rather than a workload."""
    if _ENV_SHAPED.match(name):
        return True
    return is_name_like(name) and not _workload_shaped(name)


def _namespaces_of(text: str) -> list[tuple[str, int, int]]:
    """Namespaces written before what they hold: "awoooi-prod 的 web", "awoooi-staging 裡的 billing"."""
    found: list[tuple[str, int, int]] = []
    for n, m in enumerate(_NS_OF.finditer(text)):
        if n >= MAX_ENTITIES:
            break
        ns = clean(m.group("ns"))
        low = ns.lower()
        if (not usable_word(ns) or "/" in ns or low in ROLE_NOUNS or low in _ATTRIBUTES or looks_like_pod(ns)
                or _TYPE_JUST_BEFORE.search(text, max(0, m.start() - 16), m.start())):
            continue
        link = m.group("link").strip()
        contains = link in _CONTAINS_LINKS
        if m.group("rt"):
            ok = contains or namespace_shaped(ns)
        else:
            name = clean(m.group("name"))
            if (not item_word(name) or name.lower().startswith(low + "-")
                    or _CONTAINER_OR_NS_NEXT.match(text, m.start("name") + len(name))):
                continue
            ok = (contains and item_word(ns)) or namespace_shaped(ns)
        if ok:
            found.append((ns, m.start("ns"), m.start("ns") + len(ns)))
    return found


def find_bare_in(text: str) -> list[tuple[str, int, int, int]]:
    """Candidates for "... in X." as (X, start, end, where "in" starts); the caller checks the context.

    X ends its clause and is not a number, a region, a role noun, a status or one of the
    words that follow "in" in plain English ("in parallel", "in time").
    """
    found: list[tuple[str, int, int, int]] = []
    for n, m in enumerate(_BARE_IN.finditer(text)):
        if n >= MAX_ENTITIES:
            break
        name = clean(m.group(1))
        low = name.lower()
        if (not item_word(name) or low in ROLE_NOUNS or low in _NOT_BARE_NS or _REGION.fullmatch(name)
                or (is_name_like(name) and not namespace_shaped(name))
                or ":" in name or _CAMEL.search(name) or not _CLAUSE_END_AFTER.match(text, m.start(1) + len(name))):
            continue
        found.append((name, m.start(1), m.start(1) + len(name), m.start()))
    return found


_SEP = r"(?:\s*(?:,|，|、|&|和|跟|與|与|以及|及)\s*(?:and\s+)?|\s+and\s+)"
_NEXT_ITEM = re.compile(rf"{_SEP}(?:(?:the|our|my)\s+)?({TOKEN})", IC)
_JOINED = re.compile(rf"{_SEP}(?:(?:the|our|my)\s+)?", IC)
_ITEM_END = re.compile(
    r"\s*(?:$|[,，、.;；。!?！？]|&|[\u4e00-\u9fff]|(?:and|too|to|as\s+well|deployments?|deploys?|services?|svc|pods?"
    r"|in|on|from|now|please|then|also|plus|for)(?![\w-]))",
    IC,
)
_TYPE_SKIP = re.compile(r"\s+(?:deployments?|deploy|services?|svc|pods?)(?![\w-])", IC)
MAX_ITEMS = 8
"""At most this many workloads are read from one list ("restart a, b, c and d")."""


def ends_item(text: str, pos: int) -> bool:
    """A list item may end at ``pos``: a separator, a type word, "to N" or the end of the clause follows."""
    return _ITEM_END.match(text, pos) is not None


def joined(text: str, end: int, start: int) -> bool:
    """Only a list separator (",", "and", "和", "跟", "、") lies between ``end`` and ``start``."""
    return start > end and _JOINED.fullmatch(text, end, start) is not None


def coordinated(text: str, end: int, limit: int, taken: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """The further items of a list that starts with a name ending at ``end``: "api, worker and billing".

    Each item must read as a workload and end the list or be followed by another separator,
    a type word, "to N" or the end of the clause ("restart api and wait" is one item).
    """
    items: list[tuple[str, int, int]] = []
    t = _TYPE_SKIP.match(text, end, limit)
    pos = t.end() if t else end
    while len(items) < MAX_ITEMS:
        m = _NEXT_ITEM.match(text, pos, limit)
        if not m:
            break
        name, start = clean(m.group(1)), m.start(1)
        stop = start + len(name)
        if not name or not item_word(name) or any(s <= start < e for s, e in taken) or not _ITEM_END.match(text, stop):
            break
        items.append((name, start, stop))
        t = _TYPE_SKIP.match(text, stop, limit)
        pos = t.end() if t else stop
    return items


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
