"""What a tool declares about itself, and the declarative API requests Kubernetes tools make.

A :class:`ToolSpec` says everything the rest of OpenClaw needs to know about one tool:
its argument model and LLM schema, whether it changes anything, whether it takes a
namespace that the incident's fills, its trust class, the object it acts on (locks and
anti-flapping), the Kubernetes requests it makes (as :class:`ApiRequest` values, which
``openclaw.kube.plan`` turns into calls generically), how its result is summarised, and
the RBAC permissions it needs. Nothing here talks to a cluster or imports ``kubernetes``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from openclaw.models._base import StrictModel
from openclaw.models.validation import describe_validation_error

ActionClass = Literal["read", "notify", "restart", "scale", "scale_to_zero"]
"""The trust classes (risk.classes in trust.yaml). ``read`` and ``notify`` never mutate."""

DEFAULT_NAMESPACE = "awoooi-prod"
LIST_LIMIT = 500
"""Most objects one list call asks for (``limit``); the rest is reported, never fetched."""
FIELD_MANAGER = "openclaw"


class ToolArgumentsError(ValueError):
    """A tool call whose name is unknown or whose arguments break the schema."""


@dataclass(frozen=True)
class ApiResource:
    """A Kubernetes resource as the API names it: group ("" for core), version, plural, scope."""

    group: str
    version: str
    plural: str
    namespaced: bool = True

    @property
    def prefix(self) -> str:
        return f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"

    def path(self, namespace: str | None, name: str | None = None, subresource: str | None = None) -> str:
        """The URL path of the collection, or of one object (and its subresource)."""
        scope = f"/namespaces/{namespace}" if self.namespaced and namespace else ""
        path = f"{self.prefix}{scope}/{self.plural}"
        if name:
            path += f"/{name}"
            if subresource:
                path += f"/{subresource}"
        return path


@dataclass(frozen=True)
class Permission:
    """One RBAC grant a tool needs: ``verb`` on ``resource`` (``plural`` or ``plural/subresource``)."""

    group: str
    resource: str
    verb: Literal["get", "list", "patch"]
    namespaced: bool = True


@dataclass(frozen=True)
class ApiRequest:
    """One request a tool makes, as data: which object (or collection), which verb, what query and body.

    ``name`` None on a GET is a list. The path is derived (:meth:`path`), never written by hand.
    """

    method: Literal["GET", "PATCH"]
    resource: ApiResource
    namespace: str | None
    name: str | None = None
    subresource: str | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None
    body: dict[str, Any] | None = None
    response: Literal["json", "text"] = "json"

    @property
    def verb(self) -> Literal["get", "list", "patch"]:
        if self.method == "PATCH":
            return "patch"
        return "get" if self.name else "list"

    @property
    def rbac_resource(self) -> str:
        return f"{self.resource.plural}/{self.subresource}" if self.subresource else self.resource.plural

    @property
    def scope_namespace(self) -> str | None:
        """The namespace the request is about (None for a cluster-scoped resource)."""
        return self.namespace if self.resource.namespaced else None

    def path(self) -> str:
        return self.resource.path(self.scope_namespace, self.name, self.subresource)

    def permission(self) -> Permission:
        return Permission(self.resource.group, self.rbac_resource, self.verb, self.resource.namespaced)


@dataclass(frozen=True)
class CallContext:
    """What request building needs besides the arguments: the namespace default, the clock, the log bound."""

    default_namespace: str = DEFAULT_NAMESPACE
    now: dt.datetime | None = None
    log_max_bytes: int = 65536


@dataclass(frozen=True)
class ObjectRef:
    """The object a mutation changes: what its lock and its anti-flapping history are keyed on."""

    kind: str  # lower case, e.g. "deployment"
    resource: ApiResource
    namespace: str
    name: str

    def key(self) -> str:
        """``deployment:NAMESPACE/NAME``: the history key of the trust engine."""
        return f"{self.kind}:{self.namespace}/{self.name}"

    def path(self) -> str:
        return self.resource.path(self.namespace, self.name)


Args = Mapping[str, Any]


@dataclass(frozen=True)
class ToolSpec:
    """One tool. Kubernetes tools set ``requests``; ``kubectl_execute`` sets ``expand`` instead."""

    name: str
    description: str
    args_model: type[StrictModel]
    parameters: dict[str, Any]
    """The JSON schema of the arguments, handed to the LLMs verbatim."""
    mutating: bool
    risk: ActionClass | Callable[[Args], ActionClass] | None
    """The trust class, or a function of the arguments (scale to zero is its own class); None for a
    tool that is judged as the tool it stands for (``kubectl_execute``)."""
    namespaced: bool = False
    """The tool takes a ``namespace`` that the incident's fills when the call names none."""
    target: Callable[[Args], ObjectRef] | None = None
    """The object a mutation acts on (locks, anti-flapping, rollout verification)."""
    requests: Callable[[Args, CallContext], list[ApiRequest]] | None = None
    """The Kubernetes requests a call makes, in order (a mutation: one request)."""
    summarize: Callable[[Args, ApiRequest, Any, CallContext], dict[str, Any]] | None = None
    """The result of a Kubernetes call from the response body (JSON, or text for ``response="text"``)."""
    refine: Callable[[ApiRequest, Any, CallContext], ApiRequest | None] | None = None
    """A read may ask once more (e.g. fewer log lines when the server's byte cap cut the newest)."""
    expand: Callable[[Args, str], tuple[str, dict[str, Any]]] | None = None
    """A tool that stands for another (``kubectl_execute``): (tool, args), or ToolArgumentsError."""
    permissions: tuple[Permission, ...] = ()
    """Every RBAC grant the tool may need (configs/k8s/rbac.yaml must cover them all)."""

    def openai_schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    @property
    def kube(self) -> bool:
        """Whether the Kubernetes executor runs it (directly or after ``expand``)."""
        return self.requests is not None or self.expand is not None

    def action_class(self, args: Args) -> ActionClass:
        """The trust class of a call; ValueError for a tool judged as the one it stands for."""
        if self.risk is None:
            raise ValueError(f"{self.name} has no action class of its own: it is judged as the tool it stands for")
        return self.risk(args) if callable(self.risk) else self.risk

    def validate(self, args: Any) -> StrictModel:
        """The validated arguments; ToolArgumentsError with one readable line."""
        if not isinstance(args, dict):
            raise ToolArgumentsError(f"{self.name}: arguments must be a JSON object, got {type(args).__name__}")
        try:
            return self.args_model.model_validate(args)
        except ValidationError as exc:
            raise ToolArgumentsError(f"{self.name}: {describe_validation_error(exc)}") from None
