"""Prompts are files: ``openclaw/prompts/<name>.md``, loaded by name and rendered with ``$variables``.

``render(name, **vars)`` substitutes ``$name`` / ``${name}`` placeholders
(:class:`string.Template`); a missing variable or an unknown prompt raises
:class:`~openclaw.errors.ConfigError` naming the file. Incident text is put into the
user message only through :func:`untrusted`, which fences it as data so that
instructions inside it can be recognised (and ignored) by the model — authorization
happens in code (the trust engine), never in the prompt.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

from openclaw.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parent
FENCE_OPEN = "<incident>"
FENCE_CLOSE = "</incident>"


@cache
def _template(name: str) -> string.Template:
    path = PROMPTS_DIR / f"{name}.md"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PROMPTS_DIR.glob("*.md")))
        raise ConfigError(f"no prompt named {name!r} ({path} does not exist); known prompts: {known}")
    return string.Template(path.read_text(encoding="utf-8"))


def render(name: str, **variables: object) -> str:
    """The prompt file ``<name>.md`` with ``$variables`` filled in; every placeholder must be given."""
    template = _template(name)
    try:
        return template.substitute({k: str(v) for k, v in variables.items()}).strip() + "\n"
    except KeyError as exc:
        raise ConfigError(f"prompt {name!r} needs the variable {exc.args[0]!r} (openclaw/prompts/{name}.md)") from None
    except ValueError as exc:
        raise ConfigError(f"prompt {name!r} has a bad placeholder: {exc} (write $$ for a literal $)") from None


def untrusted(text: str) -> str:
    """``text`` fenced as untrusted incident data; a fence inside the text is defused so it cannot end the block early."""
    defused = text.replace(FENCE_CLOSE, "</ incident>").replace(FENCE_OPEN, "< incident>")
    return f"{FENCE_OPEN}\n{defused}\n{FENCE_CLOSE}"


def names() -> list[str]:
    """Every prompt shipped, by name."""
    return sorted(p.stem for p in PROMPTS_DIR.glob("*.md"))
