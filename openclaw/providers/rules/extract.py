"""Turn incident text into proposed tool calls, deterministically.

Each request found by :mod:`.requests` is resolved into one call, or one per workload when
it names a list ("restart api, worker and web", "重啟 api 和 worker"); "stop X" / "shut down X"
is a scale to zero, and only when X is written right after the verb. kubectl spans go through
:func:`openclaw.models.kubectl.parse_kubectl` (a refused command is kept as ``kubectl_execute``
so that the trust engine visibly denies it); natural-language requests get their target,
namespace and numbers from their own scope first, then from the rest of the text, then from
the incident labels. Text that only describes symptoms gets the usual first remedy
(logs of the pod when one is known, a rolling restart of the workload for crashes).
Arguments are not validated here: names are passed on exactly as written.
"""

from __future__ import annotations

import re
from typing import Any

from openclaw.models.kubectl import KubectlRefused, parse_kubectl
from openclaw.models.tools import MAX_ALERT_CHARS, MAX_COMMAND_CHARS
from openclaw.providers.rules import entities as ent
from openclaw.providers.rules.entities import Entity
from openclaw.providers.rules.intent import classify_intent
from openclaw.providers.rules.lexicon import ANALYSIS, CRASH_LIKE, FIX, SENTENCE_END, SYMPTOMS, IC
from openclaw.providers.rules.requests import MAX_REQUESTS, Kind, Request
from openclaw.providers.rules.signals import parse
from openclaw.providers.rules.types import ExtractionContext, ProposedCall

_EXPLICIT = ("deployment", "service", "plain", "pod")
_RESOURCE_NOUN = re.compile(
    r"\b(pods?|po|deployments?|deploys?|services?|svc|nodes?|events?)\b|(容器組|容器组|部署|服務|服务|節點|节点|事件)", IC
)
_RESOURCE = {"po": "pods", "pod": "pods", "pods": "pods", "deploy": "deployments", "deploys": "deployments",
             "deployment": "deployments", "deployments": "deployments", "svc": "services", "service": "services",
             "services": "services", "node": "nodes", "nodes": "nodes", "event": "events", "events": "events",
             "容器組": "pods", "容器组": "pods", "部署": "deployments", "服務": "services", "服务": "services",
             "節點": "nodes", "节点": "nodes", "事件": "events"}
_TYPE_AFTER = re.compile(r"\s*(deployments?|deploy|services?|svc)\b", IC)
_ENTITY_RESOURCE = {"deployment": "deployments", "pod": "pods", "service": "services", "node": "nodes"}
_DESTROY_VERB = (
    (re.compile(r"drain", IC), "drain"), (re.compile(r"uncordon", IC), "uncordon"), (re.compile(r"cordon", IC), "cordon"),
    (re.compile(r"taint", IC), "taint"), (re.compile(r"exec|shell|ssh", IC), "exec -it"),
    (re.compile(r"roll|undo|回滾|回滚", IC), "rollout undo"),
)
_EVERYTHING = re.compile(r"\b(?:everything|all|cluster|whole|entire)\b|全部|所有|整個|整个", IC)
_MSG_LEAD = re.compile(
    r"^[\s:：,，\-—]*(?:(?:(?:to|for)\s+)?(?:(?:the|our)\s+)?(?:on-?call|oncall|team|sre|ops|everyone|people|channel)\b)?"
    r"[\s:：,，\-—]*(?:(?:that|saying|about|with|re|regarding)\b|(?:給|给|向)[^\s:：,，]{0,10}?[:：])?[\s:：,，\-—]*",
    IC,
)
_MSG_TAIL = re.compile(r"[\s,，;；.。:：]*(?:\b(?:and\s+then|and|then|also|plus)\b|然後|然后|接著|接着)?[\s,，;；.。:：]*$", IC)
_MSG_INCIDENT = re.compile(
    r"\s*(?i:\b(?:for|re|regarding|on|about|in)\s+)?(?i:the\s+)?(?i:incident\s*(?:id\s*)?[#:]?\s*)?"
    + ent.INCIDENT_ID.pattern
)
_SEVERITIES = ("info", "warning", "critical")
_PRONOUN_ONLY = re.compile(r"(?:(?:this|it|that|the|incident|issue|problem|one)\s*){0,3}|這個|这个|此事", IC)


MAX_CALLS = MAX_REQUESTS
"""At most this many calls come from one text (a list "restart a, b and c" gives one call per workload)."""


def extract_tool_calls(text: str, ctx: ExtractionContext) -> list[ProposedCall]:
    """The tool calls ``text`` asks for, in order; [] for chat and code generation.

    Never raises on arbitrary strings; only the first ``MAX_SCAN_CHARS`` characters are read.
    """
    if not isinstance(text, str) or not text.strip():
        return []
    guess = classify_intent(text)
    if guess.task_type in ("general_chat", "code_generation") and guess.confidence >= 0.6:
        return []
    resolver = _Resolver(text, ctx)
    calls: list[ProposedCall] = []
    last: Kind | None = None
    for req in resolver.requests:
        kind = last if req.kind == "continue" else req.kind
        if kind is None:
            continue
        calls.extend(resolver.resolve(req, kind))
        last = kind
    if not calls:
        calls = resolver.symptom_remedy()
    unique: list[ProposedCall] = []
    for call in calls:
        if call not in unique:
            unique.append(call)
    return unique[:MAX_CALLS]


class _Resolver:
    """Finds targets, namespaces and numbers for the requests of one text."""

    def __init__(self, text: str, ctx: ExtractionContext) -> None:
        self.ctx = ctx
        self.labels = {str(k): str(v) for k, v in dict(ctx.labels or {}).items()}
        parsed = parse(text)
        self.text, self.masked, self.quiet, self.requests = parsed.scanned, parsed.masked, parsed.quiet, parsed.requests
        self.namespaces, self.entities = parsed.namespaces, parsed.entities
        self.ns_spans = [(s, e) for _, s, e in self.namespaces]

    # --- context -------------------------------------------------------------------------

    def namespace(self, req: Request | None) -> str:
        if req is not None:
            for name, s, _ in self.namespaces:
                if req.start <= s < max(req.end, req.clause_end):
                    return name
        if self.namespaces:
            return self.namespaces[0][0]
        return self.labels.get("namespace") or self.ctx.default_namespace

    def _in(self, req: Request, kinds: tuple[str, ...]) -> Entity | None:
        """The entity of ``kinds`` nearest after the trigger in scope, else the last one before it."""
        inside = [e for e in self.entities if e.kind in kinds and req.start <= e.start < req.end]
        after = [e for e in inside if e.start >= req.trig_start]
        if after:
            return after[0]
        before = [e for e in inside if e.start < req.trig_start]
        return before[-1] if before else None

    def _antecedent(self, req: Request) -> Entity | None:
        earlier = [e for e in self.entities if e.end <= req.start]
        return earlier[-1] if earlier else None

    def _first(self, kinds: tuple[str, ...]) -> Entity | None:
        return next((e for e in self.entities if e.kind in kinds), None)

    def _word_after(self, pos: int, end: int) -> tuple[str, int] | None:
        """The first usable word after ``pos``, past a namespace written before it ("重啟 awoooi-staging 裡的 billing")."""
        for _ in range(3):
            word = ent.word_after(self.masked, pos, end)
            if word is None:
                return None
            ns_end = next((e for s, e in self.ns_spans if s == word[1]), None)
            if ns_end is None:
                return word
            link = ent.NS_LINK_AFTER.match(self.masked, ns_end, end)
            pos = link.end() if link else ns_end
        return None

    def _target(self, req: Request | None) -> tuple[str, int, int] | None:
        """The deployment a request is about, and where it is written (-1 when it comes from labels)."""
        if req is not None:
            found = self._in(req, _EXPLICIT)
            if found is None and req.kind != "continue":
                word = self._word_after(req.trig_end, req.end)
                if word and ent.usable_word(word[0]) and "/" not in word[0]:
                    return ent.role_form(word[0])[0], word[1], word[1] + len(word[0])
            elif found is None:  # "... and worker to 3": the clause starts with its own object
                word = self._word_after(req.start, req.end)
                if word and ent.item_word(word[0]):
                    return ent.role_form(word[0])[0], word[1], word[1] + len(word[0])
            found = found or self._in(req, ("role",)) or self._antecedent(req)
            if found is not None:
                return self._deployment(found), found.start, found.end
        found = self._first(_EXPLICIT)
        if found is not None:
            return self._deployment(found), found.start, found.end
        if self.labels.get("deployment"):
            return self.labels["deployment"], -1, -1
        if self.labels.get("pod"):
            return ent.deployment_of_pod(self.labels["pod"]), -1, -1
        role = self._first(("role",))
        return (role.name, role.start, role.end) if role else None

    @staticmethod
    def _deployment(found: Entity) -> str:
        return ent.deployment_of_pod(found.name) if found.kind == "pod" else found.name

    def _list_limit(self, req: Request, pos: int) -> int:
        """Where a list of workloads after ``pos`` must end: the next request or the end of the sentence."""
        after = max(pos, req.trig_start)
        later = [r.trig_start for r in self.requests if r.trig_start > after and r.kind != "continue"]
        end = SENTENCE_END.search(self.masked, pos)
        return min([*later, end.start() if end else len(self.masked)])

    def targets(self, req: Request, first: tuple[str, int, int] | None) -> tuple[list[str], int]:
        """Every deployment of a list starting at ``first`` ("restart api, worker and billing", "重啟 api 和 worker").

        Returns the names in order and where the list ends (-1 for a target from labels).
        """
        if first is None:
            return [], -1
        name, start, end = first
        if start < 0:
            return [name], -1
        names = [(start, name)]
        # Written before the verb: "把 awoooi-api 和 awoooi-web 重啟".
        earlier = [e for e in self.entities if e.kind != "node" and req.start <= e.start and e.end <= start]
        left = start
        for e in reversed(earlier):
            if not ent.joined(self.masked, e.end, left):
                break
            names.append((e.start, self._deployment(e)))
            left = e.start
        items = ent.coordinated(self.masked, end, self._list_limit(req, end), self.ns_spans)
        for item, s, _ in items:
            at = next((e for e in self.entities if e.start == s), None)
            names.append((s, self._deployment(at) if at else ent.role_form(item)[0]))
        out: list[str] = []
        for _, n in sorted(names):
            if n not in out:
                out.append(n)
        return out, items[-1][2] if items else end

    def workload(self, req: Request | None) -> str | None:
        """The deployment a request is about."""
        found = self._target(req)
        return found[0] if found else None

    def pod(self, req: Request | None) -> str | None:
        if req is not None:
            found = self._in(req, ("pod",)) or self._in(req, _EXPLICIT)
            if found is not None:
                return found.name
        found = self._first(("pod",))
        if found is not None:
            return found.name
        return self.labels.get("pod")

    # --- requests ------------------------------------------------------------------------

    def resolve(self, req: Request, kind: Kind) -> list[ProposedCall]:
        """The calls for one request: one per workload when it names a list ("restart api and worker")."""
        ns = self.namespace(req)
        if kind == "kubectl":
            return [self._kubectl(req, ns)]
        if kind == "alert":
            return [self._alert(req)]
        if kind == "destroy":
            return _listed(self._destroy(req, ns))
        if kind == "show":
            return [self._show(req, ns)]
        if kind == "logs":
            pod = self.pod(req) or self.workload(req)
            if pod is None:
                return [ProposedCall("kubectl_get", {"resource": "pods", "namespace": ns})]
            args: dict[str, Any] = {"pod": pod, "namespace": ns}
            tail = ent.find_tail(self.masked, req.start, req.end)
            if tail is not None:
                args["tail"] = tail
            container = ent.find_container(self.masked, req.start, req.end) or self.labels.get("container")
            if container:
                args["container"] = container
            return [ProposedCall("get_logs", args)]
        if kind == "stop":
            deployments, _ = self.targets(req, self._direct_object(req))
            return [ProposedCall("scale_deployment", {"deployment": d, "namespace": ns, "replicas": 0})
                    for d in deployments]
        deployments, list_end = self.targets(req, self._target(req))
        if not deployments:
            return []
        if kind == "scale":
            replicas = ent.find_replicas(self.masked, req.start, req.end)
            if replicas is None:
                replicas = ent.find_replicas(self.masked, req.end, max(req.end, req.clause_end))
            if replicas is None and list_end > req.end:  # "scale api and worker to 3"
                replicas = ent.find_replicas(self.masked, list_end, self._list_limit(req, list_end))
            if replicas is None:
                return [ProposedCall("kubectl_get", {"resource": "deployments", "namespace": ns, "name": d})
                        for d in deployments]
            return [ProposedCall("scale_deployment", {"deployment": d, "namespace": ns, "replicas": replicas})
                    for d in deployments]
        return [ProposedCall("restart_deployment", {"deployment": d, "namespace": ns}) for d in deployments]

    def _direct_object(self, req: Request) -> tuple[str, int, int] | None:
        """The workload written right after the verb ("stop the catalog deployment", "shut down catalog").

        Stricter than :meth:`_target`: no antecedent and nothing from labels, because a stop
        scales to zero; "stop the alerts" or "stop paging me" name no workload.
        """
        word = self._word_after(req.trig_end, req.end)
        if word is None:
            return None
        at = next((e for e in self.entities if e.start == word[1] and e.kind != "node"), None)
        if at is not None:
            return self._deployment(at), at.start, at.end
        if not ent.item_word(word[0]) or not ent.ends_item(self.masked, word[1] + len(word[0])):
            return None
        return ent.role_form(word[0])[0], word[1], word[1] + len(word[0])

    def _kubectl(self, req: Request, ns: str) -> ProposedCall:
        command = self.text[req.start : req.end]
        try:
            parsed = parse_kubectl(command, default_namespace=ns)
        except KubectlRefused:
            if len(command) > MAX_COMMAND_CHARS:
                command = command[: MAX_COMMAND_CHARS - 12] + " <truncated>"
            return ProposedCall("kubectl_execute", {"command": command, "namespace": ns})
        return ProposedCall(parsed.tool, dict(parsed.args))

    def _show(self, req: Request, ns: str) -> ProposedCall:
        noun = _RESOURCE_NOUN.search(self.masked, req.trig_start, req.end) or _RESOURCE_NOUN.search(
            self.masked, req.start, req.end
        )
        resource = _RESOURCE[(noun.group(1) or noun.group(2)).lower()] if noun else None
        typed = self._in(req, ("deployment", "pod", "service", "node"))
        plain = self._in(req, ("plain",))
        args: dict[str, Any]
        if typed is not None and (resource is None or _ENTITY_RESOURCE[typed.kind] == resource):
            args = {"resource": _ENTITY_RESOURCE[typed.kind], "name": typed.name}
        elif plain is not None and resource in (None, "deployments", "services"):
            args = {"resource": resource or "deployments", "name": plain.name}
        elif (role := self._typed_role(req, resource)) is not None:
            args = {"resource": resource, "name": role}
        else:
            args = {"resource": resource or "pods"}
        if args["resource"] != "nodes" or "namespace" in self.masked.lower():
            args["namespace"] = ns
        return ProposedCall("kubectl_get", args)

    def _typed_role(self, req: Request, resource: str | None) -> str | None:
        """"is the api deployment ok?": a role noun written as the name of a deployment or service."""
        if resource not in ("deployments", "services"):
            return None
        role = self._in(req, ("role",))
        if role is None:
            return None
        noun = _TYPE_AFTER.match(self.masked, role.end)
        return role.name if noun and _RESOURCE[noun.group(1).lower()] == resource else None

    def _alert(self, req: Request) -> ProposedCall:
        later = [r.trig_start for r in self.requests if r.trig_start >= req.trig_end and r.kind != "continue"]
        msg_end = min(later) if later else len(self.text)
        severity = (
            ent.find_severity(self.masked, req.start, msg_end)
            or ent.find_severity(self.masked, 0, len(self.masked))
            or _valid_severity(self.ctx.severity)
            or _valid_severity(self.labels.get("severity"))
            or "warning"
        )
        incident = ent.find_incident_id(self.text) or self.ctx.incident_id
        message = _clean_message(self.text[req.trig_end : msg_end])
        if _PRONOUN_ONLY.fullmatch(message):
            message = _clean_message(self.text[: req.trig_start] + " " + self.text[req.trig_end :])
        if _PRONOUN_ONLY.fullmatch(message):
            message = f"Incident {incident} needs attention" if incident else "Alert raised by the OpenClaw rules engine"
        args: dict[str, Any] = {"severity": severity, "message": message[:MAX_ALERT_CHARS]}
        if incident:
            args["incident_id"] = incident
        return ProposedCall("send_alert", args)

    def _destroy(self, req: Request, ns: str) -> ProposedCall | None:
        words = self.masked[req.trig_start : req.trig_end]
        verb = next((v for p, v in _DESTROY_VERB if p.search(words)), "delete")
        typed = self._in(req, ("deployment", "pod", "service", "node"))
        scoped_ns = [n for n, s, _ in self.namespaces if req.start <= s < req.end]
        if typed is not None:
            target = f"{typed.kind} {typed.name}"
        elif verb in ("drain", "cordon", "uncordon", "taint"):
            plain = self._in(req, ("plain", "role"))
            target = f"node {plain.name}" if plain else ""
        elif scoped_ns and verb == "delete":
            return ProposedCall("kubectl_execute", {"command": f"kubectl delete namespace {scoped_ns[0]}", "namespace": ns})
        else:
            plain = self._in(req, ("plain", "role"))
            if plain is not None:
                target = f"deployment/{plain.name}" if verb == "rollout undo" else f"deployment {plain.name}"
            elif verb == "delete" and _EVERYTHING.search(self.masked, req.start, req.end):
                target = "all --all"
            else:
                return None
        if not target:
            return None
        suffix = "" if target.startswith("node") else f" -n {ns}"
        return ProposedCall("kubectl_execute", {"command": f"kubectl {verb} {target}{suffix}"[:MAX_COMMAND_CHARS], "namespace": ns})

    # --- symptoms only -------------------------------------------------------------------

    def symptom_remedy(self) -> list[ProposedCall]:
        """First remedy for text that only describes what is wrong ("X keeps crashing, fix it")."""
        found = {name for name, p in SYMPTOMS.items() if p.search(self.quiet)}
        asks_fix = FIX.search(self.quiet) is not None
        if not found and not asks_fix:
            return []
        ns = self.namespace(None)
        pod = self.pod(None)
        deployment = self.workload(None)
        calls: list[ProposedCall] = []
        if pod:
            calls.append(ProposedCall("get_logs", {"pod": pod, "namespace": ns}))
        if ANALYSIS.search(self.quiet) and not asks_fix:
            # Asked to understand, not to act: read-only diagnostics only.
            calls.append(ProposedCall("kubectl_get", {"resource": "pods", "namespace": ns}))
            calls.append(ProposedCall("kubectl_get", {"resource": "events", "namespace": ns}))
            return calls
        if deployment and (asks_fix or found & CRASH_LIKE):
            calls.append(ProposedCall("restart_deployment", {"deployment": deployment, "namespace": ns}))
        if not calls:
            calls.append(ProposedCall("kubectl_get", {"resource": "pods", "namespace": ns}))
        return calls


def _listed(call: ProposedCall | None) -> list[ProposedCall]:
    return [] if call is None else [call]


def _valid_severity(value: str | None) -> str | None:
    if not value:
        return None
    low = value.strip().lower()
    if low in _SEVERITIES:
        return low
    return {"error": "critical", "page": "critical", "high": "critical", "warn": "warning", "low": "info",
            "none": "info"}.get(low)


def _clean_message(raw: str) -> str:
    """The alert text without the command words around it ("to the on-call that", "for incident X")."""
    text = " ".join(raw.split())
    text = " ".join(_MSG_INCIDENT.sub("", text).split())
    lead = _MSG_LEAD.match(text)
    text = text[lead.end() :] if lead else text
    head, end = text[:-40], text[-40:]
    tail = _MSG_TAIL.search(end)
    return head + (end[: tail.start()] if tail else end)
