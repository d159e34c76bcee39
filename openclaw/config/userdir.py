"""The user's config dir: where commands that change config write, never the shipped ``configs/``.

The shipped ``configs/`` are read-only defaults (a git-tracked checkout, or site-packages in a
wheel). A command that writes config (``openclaw approvers add``) writes into ``--config-dir``
or ``OPENCLAW_CONFIG_DIR`` when one is given, else into ``OPENCLAW_HOME/configs``, which is
seeded with a copy of the shipped YAML files on the first write; from then on every command
reads that directory (see :func:`openclaw.settings.resolve_config_dir`).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from openclaw.errors import UsageError
from openclaw.settings import USER_CONFIGS, Settings, shipped_config_dir

_SOURCE_TEXT = {
    "--config-dir": "from --config-dir",
    "OPENCLAW_CONFIG_DIR": "from OPENCLAW_CONFIG_DIR",
    "OPENCLAW_HOME": "the user's config dir under OPENCLAW_HOME",
    "shipped": "the shipped defaults",
}


def describe_config_dir(settings: Settings) -> str:
    """One line: the config dir a command read, and why that one."""
    return f"config dir: {settings.config_dir} ({_SOURCE_TEXT[settings.config_source]})"


def _is_shipped(path: Path) -> bool:
    try:
        return path.resolve() == shipped_config_dir().resolve()
    except OSError:
        return False


def writable_config_dir(settings: Settings) -> tuple[Path, bool]:
    """The directory a config change goes to, and whether it was seeded just now.

    Refuses (UsageError) to write into the shipped configs/, even when named explicitly."""
    if not _is_shipped(settings.config_dir):
        return settings.config_dir, False
    if settings.config_source != "shipped":
        raise UsageError(
            f"{settings.config_dir} holds the shipped default configs, which are read-only; "
            f"point --config-dir or OPENCLAW_CONFIG_DIR at your own directory, or set neither to use "
            f"{settings.home / USER_CONFIGS}"
        )
    target = settings.home / USER_CONFIGS
    if target.is_dir():
        return target, False
    return seed_user_config_dir(target), True


def seed_user_config_dir(target: Path) -> Path:
    """Copy the shipped top-level YAML files into ``target`` (created whole, or not at all)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".configs-", dir=target.parent))
    try:
        for source in sorted(shipped_config_dir().glob("*.yaml")):
            shutil.copy2(source, scratch / source.name)
            (scratch / source.name).chmod(0o644)  # a wheel's copy may be read-only
        scratch.rename(target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return target
