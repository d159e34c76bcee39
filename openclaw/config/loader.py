"""Reading YAML config files into validated models, with errors that name the file and field."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from openclaw.errors import ConfigError
from openclaw.models.tools import describe_validation_error

M = TypeVar("M", bound=BaseModel)


def load_yaml(path: Path, model: type[M], *, error: type[ConfigError] = ConfigError) -> tuple[M, str]:
    """Parse and validate one YAML file; return the model and the file's sha256."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: file not found (copy it from the shipped configs/ or set --config-dir)") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data: Any = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise error(f"{path}: not valid YAML{where}") from None
    try:
        return model.model_validate(data), hashlib.sha256(raw).hexdigest()
    except ValidationError as exc:
        raise error(f"{path}: {describe_validation_error(exc)}") from None


@dataclass(frozen=True)
class Configs:
    """Every config file of one config directory, validated."""

    directory: Path
    routing: Any
    trust: Any
    hashes: dict[str, str] = field(default_factory=dict)
    """sha256 of each file, by file name: recorded with every run."""


def load_configs(directory: Path) -> Configs:
    """Load routing.yaml and trust.yaml from ``directory``."""
    from openclaw.config.routing import RoutingConfig
    from openclaw.config.trust import TrustPolicy
    from openclaw.errors import PolicyError

    routing, routing_hash = load_yaml(directory / "routing.yaml", RoutingConfig)
    trust, trust_hash = load_yaml(directory / "trust.yaml", TrustPolicy, error=PolicyError)
    return Configs(
        directory=directory,
        routing=routing,
        trust=trust,
        hashes={"routing.yaml": routing_hash, "trust.yaml": trust_hash},
    )
