"""Cluster access: a kubeconfig (with a selectable context) or the in-cluster service account.

``connect()`` returns None when neither is configured: the executor then plans
instead of acting. ``Cluster.identity`` is ``CONTEXT@SERVER`` (``in-cluster@SERVER``
for the service account); approvals sign over it, so an approval for one cluster
cannot be replayed against another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client as kube_client
from kubernetes import config as kube_config

from openclaw.errors import ConfigError
from openclaw.kube.errors import config_error

DEFAULT_NAMESPACE = "awoooi-prod"


@dataclass
class Cluster:
    """A configured API client and where it points. Close it when done."""

    api_client: Any  # kubernetes.client.ApiClient
    context: str
    server: str
    namespace: str = DEFAULT_NAMESPACE
    """The kubeconfig context's namespace, else awoooi-prod (informational: actions name theirs)."""

    @property
    def identity(self) -> str:
        return f"{self.context}@{self.server}"

    def close(self) -> None:
        self.api_client.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _client_config(configuration: Any) -> None:
    # Retries are ours (tenacity, only for retryable errors); urllib3 must not retry behind our back.
    configuration.retries = False


def connect(*, kubeconfig: str | None, context: str | None = None, in_cluster: bool = False) -> Cluster | None:
    """Load the cluster from ``kubeconfig`` (and ``context``), or in-cluster; None means plan mode.

    Raises ConfigError for a kubeconfig that is missing, unreadable or lacks the context.
    """
    if kubeconfig:
        return _from_kubeconfig(kubeconfig, context)
    if in_cluster:
        return _from_service_account()
    return None


def _from_kubeconfig(path: str, context: str | None) -> Cluster:
    if not Path(path).is_file():
        raise ConfigError(f"kubeconfig {path} does not exist; set KUBECONFIG to a kubeconfig file, or unset it "
                          "to run in plan mode")
    try:
        contexts, active = kube_config.list_kube_config_contexts(config_file=path)
    except Exception as exc:  # the boundary: kubernetes.config raises ConfigException, yaml and OS errors
        raise config_error(exc, kubeconfig=path, context=context) from exc
    names = [c["name"] for c in contexts or []]
    chosen = next((c for c in contexts or [] if c["name"] == context), None) if context else active
    if chosen is None:
        what = f"has no context {context!r}" if context else "has no current-context"
        raise ConfigError(f"kubeconfig {path} {what}; known contexts: {', '.join(names) or 'none'}")
    configuration = kube_client.Configuration()
    try:
        kube_config.load_kube_config(config_file=path, context=chosen["name"], client_configuration=configuration)
    except Exception as exc:  # the boundary
        raise config_error(exc, kubeconfig=path, context=chosen["name"]) from exc
    _client_config(configuration)
    namespace = (chosen.get("context") or {}).get("namespace") or DEFAULT_NAMESPACE
    return Cluster(kube_client.ApiClient(configuration), chosen["name"], configuration.host.rstrip("/"), namespace)


def _from_service_account() -> Cluster:
    configuration = kube_client.Configuration()
    try:
        kube_config.load_incluster_config(client_configuration=configuration)
    except Exception as exc:  # the boundary
        raise config_error(exc, kubeconfig=None, context=None) from exc
    _client_config(configuration)
    return Cluster(kube_client.ApiClient(configuration), "in-cluster", configuration.host.rstrip("/"))
