"""Who drives a run, holds a lease or claims a resume: a process, named ``host:pid:boot``.

``boot`` is drawn at random once per process. A restarted container keeps its hostname and, as
the image's first process, its pid (1): without ``boot`` the new process would take its earlier
life's runs for its own and never recover them. Resume claims add a token of their own
(``host:pid:boot:token``). Owners written before ``boot`` existed (``host:pid``, ``host:pid:token``)
are still understood.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass

BOOT = secrets.token_hex(6)
"""This process's life, as 12 hex characters (fixed until it exits)."""


def process_owner() -> str:
    """This process as an owner: ``host:pid:boot``."""
    return f"{socket.gethostname()}:{os.getpid()}:{BOOT}"


def claim_owner() -> str:
    """A resume claim by this process: ``host:pid:boot:token`` (each claim its own token)."""
    return f"{process_owner()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Process:
    host: str
    pid: int
    boot: str | None


def process_of(owner: str | None) -> Process | None:
    """The process an owner names, or None when it names none (a run id, an unknown shape)."""
    parts = (owner or "").split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    boot = parts[2] if len(parts) >= 3 and len(parts[2]) == len(BOOT) else None
    return Process(parts[0], int(parts[1]), boot)


def gone_from_this_host(owner: str | None) -> bool | None:
    """True when ``owner`` is a process of this host that is gone (its pid no longer exists, or it is this
    pid in an earlier life); False when it is alive here; None when it is not of this host."""
    process = process_of(owner)
    if process is None or process.host != socket.gethostname():
        return None
    if process.pid == os.getpid():
        return process.boot != BOOT
    return not _pid_alive(process.pid)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
