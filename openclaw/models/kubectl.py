"""The kubectl command parser: a re-export of :mod:`openclaw.tools.kubectl_command`.

Kept so that ``from openclaw.models.kubectl import parse_kubectl, KubectlRefused`` goes on working.
"""

from __future__ import annotations

from openclaw.tools.kubectl_command import (
    ALLOWED_VERBS,
    RESOURCE_ALIASES,
    KubectlRefused,
    ParsedCommand,
    parse_kubectl,
)

__all__ = ["ALLOWED_VERBS", "RESOURCE_ALIASES", "KubectlRefused", "ParsedCommand", "parse_kubectl"]
