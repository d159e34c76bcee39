"""A cold start without the cyclic garbage collector.

Starting ``openclaw`` creates about a million long-lived objects (modules, classes, pydantic
schemas, compiled patterns) and almost no garbage. With the collector on, it walks them again and
again while they are created, and once more at exit; together that was a fifth of a cold
``openclaw run``. So the command line (:func:`openclaw.cli.main.entrypoint`) pauses the collector
before it imports anything; the engine resumes it once it is open (:func:`resume`), after moving
everything built so far out of the collector's sight (``gc.freeze``), so the collections of a long
``serve`` or ``bench`` walk only what the runs create. A short command that never opens an engine
ends with the collector still paused, and :func:`at_exit` freezes what is left so the interpreter's
last collection has nothing to walk.

Nothing here acts unless :func:`pause` was called: tests and programs that import OpenClaw as a
library keep their collector as it is.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Turn the cyclic collector off until :func:`resume` (no-op when it is already off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Freeze what start-up built and turn the collector back on, if :func:`pause` turned it off."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def paused() -> bool:
    """Whether :func:`pause` turned the collector off and nothing resumed it yet."""
    return _paused


def at_exit() -> None:
    """Before the interpreter exits: freeze every object, so its final collection does not walk them."""
    gc.freeze()
