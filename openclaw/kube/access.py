"""Cluster access: a kubeconfig (with a selectable context) or the in-cluster service account.

``connect()`` returns None when neither is configured: the executor then plans
instead of acting. ``kubeconfig`` may be a list of files joined by ``os.pathsep``
(``KUBECONFIG=a:b``, as kubectl takes it): the existing ones are merged, the first
file to define a context, cluster or user wins, and ``current-context`` comes from the
last file that sets one (the ``kubernetes`` client's ``KubeConfigMerger``). ``Cluster.identity`` is ``CONTEXT@SERVER`` (``in-cluster@SERVER``
for the service account); approvals sign over it, so an approval for one cluster
cannot be replayed against another.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import client as kube_client
from kubernetes import config as kube_config
from kubernetes.config.incluster_config import (
    SERVICE_CERT_FILENAME,
    SERVICE_TOKEN_FILENAME,
    InClusterConfigLoader,
)

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


@dataclass(frozen=True)
class ServiceAccountFiles:
    """Where the in-cluster loader finds the token, the CA and ``KUBERNETES_SERVICE_HOST``/``_PORT``."""

    token_path: str = SERVICE_TOKEN_FILENAME
    ca_path: str = SERVICE_CERT_FILENAME
    environ: dict[str, str] | None = None
    """None: the process environment."""


def _client_config(configuration: Any) -> None:
    # Retries are ours (tenacity, only for retryable errors); urllib3 must not retry behind our back.
    configuration.retries = False


def connect(
    *,
    kubeconfig: str | None,
    context: str | None = None,
    in_cluster: bool = False,
    service_account: ServiceAccountFiles | None = None,
) -> Cluster | None:
    """Load the cluster from ``kubeconfig`` (and ``context``), or in-cluster; None means plan mode.

    ``service_account`` replaces the pod's token and CA paths and environment (for tests).
    Raises ConfigError for a kubeconfig that is missing, unreadable or lacks the context.
    """
    if kubeconfig:
        return _from_kubeconfig(kubeconfig, context)
    if in_cluster:
        return _from_service_account(service_account or ServiceAccountFiles())
    return None


def _from_kubeconfig(path: str, context: str | None) -> Cluster:
    given = [p for p in path.split(os.pathsep) if p]
    existing = [p for p in given if Path(p).expanduser().is_file()]
    if not existing:
        what = f"kubeconfig {path} does not exist" if len(given) <= 1 else \
            f"none of the kubeconfig files in KUBECONFIG={path} exists"
        raise ConfigError(f"{what}; set KUBECONFIG to a kubeconfig file (or several, joined by {os.pathsep!r}), "
                          "or unset it to run in plan mode")
    path = os.pathsep.join(existing)  # the client skips missing entries too; name only what was read
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


def _from_service_account(files: ServiceAccountFiles) -> Cluster:
    configuration = kube_client.Configuration()
    loader = InClusterConfigLoader(token_filename=files.token_path, cert_filename=files.ca_path,
                                   environ=os.environ if files.environ is None else files.environ)
    try:
        loader.load_and_set(configuration)
    except Exception as exc:  # the boundary
        raise config_error(exc, kubeconfig=None, context=None) from exc
    _client_config(configuration)
    return Cluster(kube_client.ApiClient(configuration), "in-cluster", configuration.host.rstrip("/"))
