"""Base URLs of the LLM vendors: checked before a client is built, so a typo is one clear line.

A malformed URL would otherwise surface deep inside the HTTP stack (an invalid port as an
``ExceptionGroup`` wrapping ``OverflowError``, a non-numeric one as ``httpx2.InvalidURL``
raised while the client is built). :func:`checked_base_url` raises
:class:`openclaw.errors.ProviderUnavailable` instead, naming the env variable to fix.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from openclaw.errors import ProviderUnavailable

BASE_URL_VARS = {
    "nim": "NVIDIA_API_BASE_URL",
    "gemini": "GEMINI_BASE_URL",
    "claude": "ANTHROPIC_BASE_URL",
    "ollama": "OLLAMA_BASE_URL",
}


def checked_base_url(vendor: str, url: str) -> str:
    """``url`` when it is an http(s) URL with a host and a valid port; otherwise ProviderUnavailable."""
    # The ollama client, like Ollama's own CLI, reads "host:port" as http://host:port.
    problem = _problem(url if vendor != "ollama" or "://" in url else "http://" + url)
    if problem is None:
        return url
    var = BASE_URL_VARS.get(vendor)
    where = f" (check {var})" if var else ""
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
