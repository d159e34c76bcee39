"""Progress for long commands (``bench pipeline``, ``replay --all``, ``run`` with many incidents).

Shown with rich on stderr only when both stdout and stderr are terminals and the command
prints JSON nowhere: a pipe, a file or ``--json`` gets nothing but the command's output.
The bar is transient (gone when the command ends), so the output reads the same either way.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

Advance = Callable[[int], None]
"""Call with the number of items finished since the last call."""


def wanted(*, as_json: bool = False) -> bool:
    """True when a progress bar may be drawn: a terminal on stdout and stderr, and no JSON output."""
    return not as_json and _tty(sys.stdout) and _tty(sys.stderr)


def _tty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


@contextmanager
def progress(description: str, total: int | None, *, as_json: bool = False) -> Iterator[Advance]:
    """A context whose value advances the bar; a no-op unless :func:`wanted`."""
    if not wanted(as_json=as_json):
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)


@asynccontextmanager
async def aprogress(description: str, total: int | None, *, as_json: bool = False) -> AsyncIterator[Advance]:
    """:func:`progress` for an ``async with`` (next to ``open_engine``)."""
    with progress(description, total, as_json=as_json) as advance:
        yield advance
