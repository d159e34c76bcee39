"""The one place where ``kubernetes`` and ``urllib3`` exceptions become OpenClaw errors.

``from_status`` maps an HTTP status (with the API server's ``Status`` body) to the
``KubeError`` subclass and a message a person can act on; ``from_exception`` maps
anything the client library can raise. ``boundary()`` wraps a block of client calls
so that nothing from the library leaks past it (tests/integration/test_kube_errors.py
proves this for every exception class the two libraries define).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import urllib3.exceptions
from kubernetes.client import exceptions as kube_exc
from kubernetes.config.config_exception import ConfigException

from openclaw.errors import (
    ConfigError,
    KubeAuthError,
    KubeConflict,
    KubeError,
    KubeInvalid,
    KubeNotFound,
    KubeServerError,
    KubeThrottled,
    KubeUnreachable,
)
from openclaw.kube.target import Target

__all__ = ["RBAC_HINT", "Target", "boundary", "config_error", "from_exception", "from_status"]

RBAC_HINT = "apply configs/k8s/rbac.yaml"


def _server_message(body: Any) -> str:
    if isinstance(body, dict):
        msg = body.get("message")
        if isinstance(msg, str) and msg:
            return msg[:300]
    return ""


def from_status(
    status: int, body: Any, target: Target, *, retry_after: float | None = None, who: str = "the service account"
) -> KubeError:
    """The error for an HTTP error ``status`` from the API server."""
    server = _server_message(body)
    detail = f" (API server: {server})" if server else ""
    if status == 401:
        return KubeAuthError(
            f"401 Unauthorized: the API server refused the credentials of {who}{detail}; "
            "refresh the token or client certificate in the kubeconfig (KUBECONFIG) or the pod's service account",
            status=status,
        )
    if status == 403:
        return KubeAuthError(
            f"403 Forbidden: {who} cannot {target.verb} {target.resource} {target.where()}{detail}; {RBAC_HINT}",
            status=status,
        )
    if status == 404:
        ns = f" in namespace {target.namespace}" if target.namespace else ""
        return KubeNotFound(
            f"404 Not Found: {target.what()} does not exist{ns}{detail}; "
            f"check the name with kubectl_get {target.resource.split('/')[0]}",
            status=status,
        )
    if status == 409:
        return KubeConflict(
            f"409 Conflict: {target.what()} {target.where()} changed while it was being updated{detail}; "
            "it is safe to retry",
            status=status,
        )
    if status in (400, 422):
        return KubeInvalid(
            f"{status} Invalid: the API server refused to {target.verb} {target.what()} {target.where()}{detail}; "
            "fix the arguments of the action",
            status=status,
        )
    if status == 429:
        wait = f" after {retry_after:g} s" if retry_after is not None else ""
        return KubeThrottled(
            f"429 Too Many Requests: the API server throttled {target.verb} {target.resource}{detail}; retry{wait}",
            status=status,
            retry_after=retry_after,
        )
    if status >= 500:
        return KubeServerError(
            f"{status} Server Error: the API server failed to {target.verb} {target.what()} {target.where()}"
            f"{detail}; retry later or check the control plane",
            status=status,
        )
    return KubeError(f"{status}: {target.verb} {target.what()} {target.where()} failed{detail}", status=status)


def _text(exc: object) -> str:
    """``str(exc)``, or its type name if even that fails (some urllib3 errors need live attributes)."""
    try:
        return str(exc)
    except Exception:  # the boundary must not fail while describing a failure
        return type(exc).__name__


def from_exception(exc: BaseException, target: Target, *, server: str = "the API server") -> KubeError:
    """The error for an exception raised by the ``kubernetes`` client or ``urllib3``."""
    if isinstance(exc, KubeError):
        return exc
    if isinstance(exc, kube_exc.ApiException):
        if exc.status:
            headers = getattr(exc, "headers", None) or {}
            retry = headers.get("Retry-After") if hasattr(headers, "get") else None
            try:
                retry_after = float(retry) if retry is not None else None
            except ValueError:
                retry_after = None
            return from_status(int(exc.status), {"message": _text(exc.reason or "")}, target,
                               retry_after=retry_after)
        return KubeUnreachable(
            f"cannot reach {server}: {_text(exc.reason or exc)}; "
            "check the server address and TLS settings in the kubeconfig"
        )
    if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
        reason = getattr(exc, "reason", None) or exc
        return KubeUnreachable(
            f"cannot reach {server}: {type(reason).__name__}: {_text(reason)}; "
            "check that the cluster is up and the kubeconfig points at it"
        )
    if isinstance(exc, kube_exc.OpenApiException | ConfigException | ValueError | TypeError):
        return KubeError(f"the Kubernetes client refused to {target.verb} {target.resource}: {_text(exc)}")
    return KubeError(f"unexpected error from the Kubernetes client ({type(exc).__name__}): {_text(exc)}")


def config_error(exc: BaseException, *, kubeconfig: str | None, context: str | None) -> ConfigError:
    """A kubeconfig that cannot be loaded, naming the file, the context and KUBECONFIG."""
    where = f"kubeconfig {kubeconfig}" if kubeconfig else "the in-cluster service account"
    ctx = f" (context {context!r})" if context else ""
    return ConfigError(f"cannot load {where}{ctx}: {exc}; fix the file or set KUBECONFIG to a working one")


@contextmanager
def boundary(target: Target, *, server: str = "the API server") -> Iterator[None]:
    """Convert every non-OpenClaw exception raised inside the block into a ``KubeError``."""
    try:
        yield
    except KubeError:
        raise
    except Exception as exc:  # the boundary: everything the client libraries raise
        raise from_exception(exc, target, server=server) from exc
