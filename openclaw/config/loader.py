"""Reading YAML config files into validated models, with errors that name the file and field."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from openclaw.errors import ConfigError
from openclaw.models.tools import describe_validation_error

M = TypeVar("M", bound=BaseModel)
SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML was built with it (about ten times faster than the pure-Python one)."""


def load_yaml(path: Path, model: type[M], *, error: type[ConfigError] = ConfigError,
              check: Callable[[Path, yaml.Node], None] | None = None) -> tuple[M, str]:
    """Parse and validate one YAML file; return the model and the file's sha256. ``check(path, root node)``
    sees the parsed document before it becomes Python objects (it raises ``error`` to refuse it)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: file not found (copy it from the shipped configs/ or set --config-dir)") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data: Any = _parse(raw, path, check) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise error(f"{path}: not valid YAML{where}") from None
    try:
        return model.model_validate(data), hashlib.sha256(raw).hexdigest()
    except ValidationError as exc:
        raise error(f"{path}: {describe_validation_error(exc)}") from None


def _parse(raw: bytes, path: Path, check: Callable[[Path, yaml.Node], None] | None) -> Any:
    """``yaml.load`` in its two halves (what PyYAML's ``get_single_data`` does), with ``check`` between them."""
    loader = SafeLoader(raw)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if check is not None:
            check(path, node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


@dataclass(frozen=True)
class ApproversLoad:
    """approvers.yaml as loaded at engine start: the config, or why it could not be used.

    Only tier quorums are read from it at run time (what ``approvals_required`` says);
    ``openclaw approve`` reloads the file for every decision, so a new approver counts at once.
    """

    config: Any = None
    """An ``openclaw.approvals.approvers.ApproversConfig``, or None."""
    error: str | None = None


@dataclass(frozen=True)
class Configs:
    """Every config file of one config directory, validated."""

    directory: Path
    routing: Any
    trust: Any
    """An ``openclaw.config.trust.PolicyLoad``: the policy, or the error that denies every action."""
    hashes: dict[str, str] = field(default_factory=dict)
    """sha256 of each file, by file name: recorded with every run."""
    approvers: ApproversLoad = field(default_factory=ApproversLoad)
    alerts: Any = None
    """The ``openclaw.config.alerts.AlertCatalog`` (alerts.yaml with the user's alerts.d/ merged over it)."""


def load_configs(directory: Path) -> Configs:
    """Load routing.yaml, trust.yaml, approvers.yaml and the alert catalog from ``directory``.

    A broken routing.yaml, alerts.yaml or alerts.d/ file raises ConfigError. A missing or
    invalid trust.yaml does not: the engine still runs and records, and every action is
    denied with the reason (fail closed); ``openclaw policy check`` reports the same problem
    with exit code 2. A broken approvers.yaml likewise only means nobody can sign until it is
    fixed.
    """
    from openclaw.config.alerts import read_alert_catalog
    from openclaw.config.routing import RoutingConfig
    from openclaw.config.trust import TRUST_FILE, load_policy

    routing, routing_hash = load_yaml(directory / "routing.yaml", RoutingConfig)
    alerts, alerts_hashes = read_alert_catalog(directory)
    trust = load_policy(directory / TRUST_FILE)
    approvers = load_approvers_quietly(directory)
    hashes = {"routing.yaml": routing_hash, TRUST_FILE: trust.sha256 or "unreadable"}
    approvers_file = directory / "approvers.yaml"
    if approvers_file.is_file():
        try:
            hashes["approvers.yaml"] = hashlib.sha256(approvers_file.read_bytes()).hexdigest()
        except OSError:
            hashes["approvers.yaml"] = "unreadable"
    hashes.update(alerts_hashes)
    return Configs(directory=directory, routing=routing, trust=trust, hashes=hashes, approvers=approvers,
                   alerts=alerts)


def load_approvers_quietly(directory: Path) -> ApproversLoad:
    """approvers.yaml from ``directory`` without raising; a missing file is an empty config."""
    from openclaw.approvals.approvers import APPROVERS_FILE, ApproversConfig, load_approvers
    from openclaw.errors import PolicyError

    path = directory / APPROVERS_FILE
    if not path.exists():
        return ApproversLoad(ApproversConfig())
    try:
        return ApproversLoad(load_approvers(path))
    except PolicyError as exc:
        return ApproversLoad(None, str(exc))
