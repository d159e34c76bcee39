"""Kubernetes name validation (RFC 1123), shared by tool arguments and configs.

Names are checked exactly as given: no lower-casing, no trimming. ``KUBE-SYSTEM``,
``api `` (trailing space) and ``аpi`` (Cyrillic ``а``) are all refused, so a name
that passes is the name the API server will see.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", re.ASCII)
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", re.ASCII)


def label_problem(value: str) -> str | None:
    """Why ``value`` is not an RFC 1123 label (namespaces, containers), or None."""
    if not isinstance(value, str):
        return "must be a string"
    if not value:
        return "must not be empty"
    if len(value) > 63:
        return f"is {len(value)} characters long; the limit is 63"
    if not _LABEL.fullmatch(value):
        return _explain(value)
    return None


def subdomain_problem(value: str) -> str | None:
    """Why ``value`` is not an RFC 1123 subdomain (deployments, pods), or None."""
    if not isinstance(value, str):
        return "must be a string"
    if not value:
        return "must not be empty"
    if len(value) > 253:
        return f"is {len(value)} characters long; the limit is 253"
    if not _SUBDOMAIN.fullmatch(value):
        return _explain(value)
    return None


def _explain(value: str) -> str:
    if value != value.strip():
        return "has leading or trailing whitespace"
    if any(not c.isascii() for c in value):
        bad = next(c for c in value if not c.isascii())
        return f"contains the non-ASCII character {bad!r} (U+{ord(bad):04X}); look-alike letters are refused"
    if any(c.isupper() for c in value):
        return "contains upper-case letters; Kubernetes names are lower case"
    bad = next((c for c in value if not (c.isalnum() or c in "-.")), None)
    if bad is not None:
        return f"contains the character {bad!r}; only a-z, 0-9, '-' and '.' are allowed"
    return "must start and end with a letter or digit (RFC 1123)"


def _check(problem):
    def validate(value: str) -> str:
        why = problem(value)
        if why:
            raise ValueError(f"{value!r} is not a valid Kubernetes name: it {why}")
        return value

    return validate


# The JSON Schema says the same as the validators (the OpenAPI document of `openclaw serve` shows it).
K8sLabel = Annotated[str, AfterValidator(_check(label_problem)),
                     WithJsonSchema({"type": "string", "pattern": f"^{_LABEL.pattern}$", "maxLength": 63})]
"""A namespace or container name: RFC 1123 label, at most 63 characters."""

K8sName = Annotated[str, AfterValidator(_check(subdomain_problem)),
                    WithJsonSchema({"type": "string", "pattern": f"^{_SUBDOMAIN.pattern}$", "maxLength": 253})]
"""A deployment or pod name: RFC 1123 subdomain, at most 253 characters."""
