"""The YAML configs in ``configs/``: loaded once, validated, hashed.

``load_configs(config_dir)`` returns a :class:`Configs` bundle; every file is
validated with pydantic (unknown fields refused) and every error names the file
and the field. ``Configs.hashes`` (sha256 per file) is recorded with each run.
"""

from __future__ import annotations

from openclaw.config.alerts import AlertCatalog, AlertEntry, load_alert_catalog
from openclaw.config.loader import Configs, load_configs, load_yaml
from openclaw.config.routing import ModelRef, RouteRule, RoutingConfig
from openclaw.config.trust import TrustPolicy

__all__ = [
    "AlertCatalog", "AlertEntry", "Configs", "ModelRef", "RouteRule", "RoutingConfig", "TrustPolicy",
    "load_alert_catalog", "load_configs", "load_yaml",
]
