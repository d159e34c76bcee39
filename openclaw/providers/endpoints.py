"""Base URLs of the LLM vendors: checked before a client is built, so a typo is one clear line.

A malformed URL would otherwise surface deep inside the HTTP stack (an invalid port as an
``ExceptionGroup`` wrapping ``OverflowError``, a non-numeric one as ``httpx2.InvalidURL``
raised while the client is built). :func:`checked_base_url` raises
:class:`openclaw.errors.ProviderUnavailable` instead, naming the env variable to fix.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from openclaw.errors import ProviderUnavailable
from openclaw.providers.vendors import VENDORS


def checked_base_url(vendor: str, url: str) -> str:
    """``url`` when it is an http(s) URL with a host and a valid port; otherwise ProviderUnavailable."""
    spec = VENDORS.get(vendor)
    # The ollama client, like Ollama's own CLI, reads "host:port" as http://host:port.
    lenient = spec is not None and spec.adapter == "ollama" and "://" not in url
    problem = _problem("http://" + url if lenient else url)
    if problem is None:
        return url
    where = f" (check {spec.base_url_env})" if spec is not None else ""
    raise ProviderUnavailable(f"{vendor}: invalid base URL {shown(url)!r}: {problem}{where}")


def shown(url: str) -> str:
    """``url`` fit for an error message: any ``user:password@`` is dropped."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"


def _problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a non-numeric or out-of-range port
    except ValueError as exc:
        return str(exc)
    if parts.scheme not in ("http", "https"):
        return "it must start with http:// or https://"
    if not parts.hostname:
        return "no host"
    if port == 0:
        return "port 0 is not a port a server listens on"
    return None
