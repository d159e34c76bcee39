"""Parse a kubectl command line into one typed tool call, or refuse it.

``kubectl_execute`` never reaches a shell: the command is split with :func:`shlex.split`
and mapped onto one of the typed tools (``kubectl_get``, ``restart_deployment``,
``scale_deployment``, ``get_logs``), whose arguments are then validated by that tool's
argument model. Anything else is refused with one readable line saying why
(:class:`KubectlRefused`).

Accepted forms (a leading ``kubectl`` is optional; ``-n X``, ``-n=X``, ``-nX``,
``--namespace X`` and ``--namespace=X`` may appear anywhere)::

    get RES [NAME]  |  get RES/NAME  |  get RES -A       -> kubectl_get
    describe RES [NAME]  |  describe RES/NAME            -> kubectl_get
    top pods|nodes [NAME]                                -> kubectl_get
    rollout status deployment NAME | deployment/NAME     -> kubectl_get(resource=deployments, name=NAME)
    logs POD | pod/POD [-c C] [--tail=N | --tail N] [-p | --previous]   -> get_logs
    rollout restart deployment NAME | deployment/NAME    -> restart_deployment
    scale deployment NAME --replicas=N | --replicas N    -> scale_deployment

RES is any kind ``kubectl_get`` reads (``openclaw.tools.kinds``), by its plural, singular or
kubectl short name (po, deploy, sts, ds, rs, hpa, pvc, pv, quota, ...).
``logs deployment/NAME`` is refused: ``get_logs`` reads one pod, so the command must name it.
``-o/--output`` is accepted and ignored for get/describe/top (it only changes printing).
With ``-A``/``--all-namespaces`` (get only) the ``namespace`` argument is left out.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from openclaw.tools import get_logs, kubectl_get, restart_deployment, scale_deployment
from openclaw.tools.base import ToolArgumentsError
from openclaw.tools.kinds import KINDS

MAX_COMMAND_CHARS = 512
TARGETS = {spec.name: spec for spec in (kubectl_get.SPEC, get_logs.SPEC, restart_deployment.SPEC,
                                        scale_deployment.SPEC)}
"""The typed tools a kubectl command can stand for."""

ALLOWED_VERBS: frozenset[str] = frozenset(
    {"get", "describe", "logs", "top", "rollout restart", "rollout status", "scale"}
)

def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    for plural, kind in KINDS.items():
        singular = kind.kind.lower()
        names = {plural, singular, *kind.short_names}
        if kind.api.group:
            names |= {f"{plural}.{kind.api.group}", f"{singular}.{kind.api.group}"}
        out.update(dict.fromkeys(names, plural))
    return out


RESOURCE_ALIASES: dict[str, str] = _aliases()
_RESOURCES = ", ".join(KINDS)

# Flags that would talk to another cluster or as someone else: never accepted.
_IDENTITY_FLAGS = frozenset(
    {
        "--kubeconfig", "--context", "--cluster", "--server", "-s", "--token", "--as", "--as-group",
        "--as-uid", "--user", "--username", "--password", "--certificate-authority", "--client-certificate",
        "--client-key", "--insecure-skip-tls-verify", "--tls-server-name", "--request-timeout",
    }
)
_NO_VALUE = "--insecure-skip-tls-verify"
# Flags that take a value (so the next token is not a positional argument).
_VALUE_FLAGS = frozenset({"-n", "--namespace", "-c", "--container", "--tail", "--replicas", "-o", "--output"})
# Which flags each verb accepts, besides the namespace.
_VERB_FLAGS: dict[str, frozenset[str]] = {
    "get": frozenset({"-A", "--all-namespaces", "-o", "--output"}),
    "describe": frozenset(),
    "top": frozenset({"-o", "--output"}),
    "logs": frozenset({"-c", "--container", "--tail", "-p", "--previous"}),
    "rollout restart": frozenset(),
    "rollout status": frozenset(),
    "scale": frozenset({"--replicas"}),
}
_SHORT_WITH_VALUE = re.compile(r"-([nco])(.+)")  # -nprod, -capp, -owide
_SHELL = (
    ("$(", "command substitution '$('"),
    ("${", "variable expansion '${'"),
    ("&&", "'&&'"),
    ("||", "'||'"),
    ("`", "a backtick"),
    (";", "';'"),
    ("|", "a pipe '|'"),
    ("&", "'&'"),
    (">", "a redirection '>'"),
    ("<", "a redirection '<'"),
)


@dataclass(frozen=True)
class ParsedCommand:
    """A kubectl command mapped onto a typed tool; ``args`` are already validated."""

    tool: str
    args: dict[str, Any]
    verb: str


class KubectlRefused(ValueError):
    """A kubectl command that is not run; ``str(exc)`` is one line saying why and what is allowed."""


def parse_kubectl(command: str, *, default_namespace: str) -> ParsedCommand:
    """Map ``command`` onto one typed tool call, or raise :class:`KubectlRefused`.

    ``default_namespace`` is used when the command has no ``-n``/``--namespace``.
    """
    tokens = _tokens(command)
    flags, positionals, after_dashes = _split_flags(tokens)
    if not positionals:
        raise KubectlRefused(f"no kubectl verb in {command.strip()!r}; allowed verbs: {_allowed()}")
    verb, rest = _verb(positionals)
    _check_flags(verb, flags, after_dashes)
    namespace = _namespace(flags, default_namespace)
    if verb in ("get", "describe", "top"):
        tool, args = "kubectl_get", _get_args(verb, rest, flags, namespace)
    elif verb == "rollout status":
        tool, args = "kubectl_get", {"resource": "deployments", "name": _deployment(verb, rest), "namespace": namespace}
    elif verb == "rollout restart":
        tool, args = "restart_deployment", {"deployment": _deployment(verb, rest), "namespace": namespace}
    elif verb == "scale":
        tool, args = "scale_deployment", _scale_args(rest, flags, namespace)
    else:  # logs
        tool, args = "get_logs", _logs_args(rest, flags, namespace)
    try:
        TARGETS[tool].validate(args)
    except ToolArgumentsError as exc:
        raise KubectlRefused(f"kubectl {verb}: {exc}") from exc
    return ParsedCommand(tool=tool, args=args, verb=verb)


def _allowed() -> str:
    return ", ".join(sorted(ALLOWED_VERBS))


def _tokens(command: str) -> list[str]:
    if not isinstance(command, str):
        raise KubectlRefused(f"a kubectl command must be a string, got {type(command).__name__}")
    if len(command) > MAX_COMMAND_CHARS:
        raise KubectlRefused(f"the command is {len(command)} characters long; the limit is {MAX_COMMAND_CHARS}")
    if "\n" in command or "\r" in command:
        raise KubectlRefused("the command spans several lines; give exactly one kubectl command")
    for needle, what in _SHELL:
        if needle in command:
            raise KubectlRefused(f"the command contains {what}; shell syntax is never run, give one plain kubectl command")
    bad = next((c for c in command if ord(c) < 32 or ord(c) == 127), None)
    if bad is not None:
        raise KubectlRefused(f"the command contains the control character U+{ord(bad):04X}")
    try:
        tokens = shlex.split(command)
    except ValueError as exc:
        raise KubectlRefused(f"the command cannot be split into words ({exc}); check the quotes") from exc
    if tokens and tokens[0] == "kubectl":
        tokens = tokens[1:]
    if "kubectl" in tokens:
        raise KubectlRefused("the text holds more than one kubectl command; give exactly one")
    return tokens


def _split_flags(tokens: list[str]) -> tuple[list[tuple[str, str | None]], list[str], list[str]]:
    """Flags as (name, value), positional words, and whatever follows a ``--``."""
    flags: list[tuple[str, str | None]] = []
    positionals: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok == "--":
            return flags, positionals, tokens[i:]
        if not tok.startswith("-") or tok == "-":
            positionals.append(tok)
            continue
        name, eq, value = tok.partition("=")
        if not eq:
            short = _SHORT_WITH_VALUE.fullmatch(tok) if not tok.startswith("--") else None
            if short:
                name, value, eq = "-" + short.group(1), short.group(2), "="
        if (name in _VALUE_FLAGS or name in _IDENTITY_FLAGS) and not eq and name != _NO_VALUE:
            if i >= len(tokens):
                raise KubectlRefused(f"the flag {name} needs a value")
            value = tokens[i]
            i += 1
        flags.append((name, value if (eq or name in _VALUE_FLAGS) else None))
    return flags, positionals, []


def _verb(positionals: list[str]) -> tuple[str, list[str]]:
    verb, rest = positionals[0], positionals[1:]
    if verb == "rollout":
        if not rest:
            raise KubectlRefused("kubectl rollout needs a sub-command; allowed: rollout restart, rollout status")
        verb, rest = f"rollout {rest[0]}", rest[1:]
    if verb not in ALLOWED_VERBS:
        raise KubectlRefused(f"kubectl {verb} is not allowed; allowed verbs: {_allowed()}")
    return verb, rest


def _check_flags(verb: str, flags: list[tuple[str, str | None]], after_dashes: list[str]) -> None:
    for name, _ in flags:
        if name in _IDENTITY_FLAGS:
            raise KubectlRefused(f"the flag {name} changes the cluster or identity kubectl uses; it is never accepted")
    if after_dashes:
        raise KubectlRefused(f"kubectl {verb}: arguments after '--' ({' '.join(after_dashes)!r}) are not accepted")
    allowed = _VERB_FLAGS[verb] | {"-n", "--namespace"}
    for name, _ in flags:
        if name not in allowed:
            extra = f" (accepted here: {', '.join(sorted(allowed))})"
            raise KubectlRefused(f"kubectl {verb}: the flag {name} is not accepted{extra}")


def _namespace(flags: list[tuple[str, str | None]], default: str) -> str | None:
    given = {value for name, value in flags if name in ("-n", "--namespace")}
    if len(given) > 1:
        raise KubectlRefused(f"the command names several namespaces ({', '.join(sorted(map(str, given)))}); give one")
    if any(name in ("-A", "--all-namespaces") for name, _ in flags):
        if given:
            raise KubectlRefused("-A/--all-namespaces and -n/--namespace contradict each other; give one")
        return None
    return given.pop() if given else default


def _with_namespace(args: dict[str, Any], namespace: str | None) -> dict[str, Any]:
    if namespace is not None:
        args["namespace"] = namespace
    return args


def _typed_name(token: str) -> tuple[str | None, str]:
    """``deployment/x`` -> ("deployments", "x"); ``x`` -> (None, "x")."""
    kind, slash, name = token.partition("/")
    if not slash:
        return None, token
    resource = RESOURCE_ALIASES.get(kind.lower())
    if resource is None:
        raise KubectlRefused(f"the resource type {kind!r} is not supported; use one of {_RESOURCES}")
    return resource, name


def _get_args(verb: str, rest: list[str], flags: list[tuple[str, str | None]], namespace: str | None) -> dict[str, Any]:
    if not rest:
        raise KubectlRefused(f"kubectl {verb} needs a resource type ({_RESOURCES})")
    if len(rest) == 1 and "/" in rest[0]:
        resource, name = _typed_name(rest[0])
    else:
        if "," in rest[0] or "/" in rest[0]:
            raise KubectlRefused(f"kubectl {verb}: give one resource type at a time, not {rest[0]!r}")
        resource = RESOURCE_ALIASES.get(rest[0].lower())
        if resource is None:
            raise KubectlRefused(f"kubectl {verb} {rest[0]} is not supported; resources: {_RESOURCES}")
        if len(rest) > 2:
            raise KubectlRefused(f"kubectl {verb}: give at most one name, got {' '.join(rest[1:])!r}")
        name = rest[1] if len(rest) == 2 else None
    if verb == "top" and resource not in ("pods", "nodes"):
        raise KubectlRefused(f"kubectl top works on pods or nodes, not {resource}")
    args: dict[str, Any] = {"resource": resource}
    if name is not None:
        args["name"] = name
    return _with_namespace(args, namespace)


def _deployment(verb: str, rest: list[str]) -> str:
    if len(rest) == 1 and "/" in rest[0]:
        resource, name = _typed_name(rest[0])
    elif len(rest) == 2 and "/" not in rest[0]:
        resource, name = RESOURCE_ALIASES.get(rest[0].lower()), rest[1]
    else:
        raise KubectlRefused(f"kubectl {verb} needs exactly one deployment: 'deployment NAME' or 'deployment/NAME'")
    if resource != "deployments":
        raise KubectlRefused(f"kubectl {verb} is only accepted for deployments, not {rest[0].split('/')[0]!r}")
    return name


def _int_flag(flags: list[tuple[str, str | None]], names: tuple[str, ...], what: str) -> int | None:
    values = [value for name, value in flags if name in names]
    if not values:
        return None
    raw = values[-1] or ""
    if not re.fullmatch(r"-?[0-9]{1,9}", raw):
        raise KubectlRefused(f"{names[-1]} must be a whole number of {what}, got {raw!r}")
    return int(raw)


def _scale_args(rest: list[str], flags: list[tuple[str, str | None]], namespace: str | None) -> dict[str, Any]:
    deployment = _deployment("scale", rest)
    replicas = _int_flag(flags, ("--replicas",), "replicas")
    if replicas is None:
        raise KubectlRefused("kubectl scale needs --replicas=N")
    return {"deployment": deployment, "namespace": namespace, "replicas": replicas}


def _logs_args(rest: list[str], flags: list[tuple[str, str | None]], namespace: str | None) -> dict[str, Any]:
    if len(rest) != 1:
        raise KubectlRefused("kubectl logs needs exactly one pod name (and optionally -c CONTAINER)")
    resource, pod = _typed_name(rest[0])
    if resource not in (None, "pods"):
        raise KubectlRefused(
            f"kubectl logs {rest[0]} reads a pod chosen by kubectl; name the pod itself (kubectl get pods lists them)"
        )
    args: dict[str, Any] = {"pod": pod, "namespace": namespace}
    tail = _int_flag(flags, ("--tail",), "lines")
    if tail is not None:
        args["tail"] = tail
    containers = [value for name, value in flags if name in ("-c", "--container")]
    if containers:
        args["container"] = containers[-1]
    previous = [value for name, value in flags if name in ("-p", "--previous")]
    if previous:
        if previous[-1] not in (None, "true", "false"):
            raise KubectlRefused(f"--previous takes no value (or true/false), got {previous[-1]!r}")
        if previous[-1] != "false":
            args["previous"] = True
    return args
