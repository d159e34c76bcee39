"""Kill -9 at a chosen point of a run, for crash tests: ``python -m openclaw.testing.crash ARGS...``.

Runs ``openclaw ARGS...`` (the real CLI, in this process) and, when the environment variable
``OPENCLAW_TEST_CRASH_AT`` names a point, sends this process SIGKILL when the run gets
there: ``before:<node>`` as the node starts (its input checkpoint is written), or
``after:<node>`` as the node returns (before its own checkpoint is written). Nothing is
flushed or cleaned up, exactly like a power cut of the process.

The hook is a LangChain callback handler added to every run through a configure hook
(``langchain_core.tracers.context.register_configure_hook``); the ``openclaw`` console
script never loads this module, so production behaviour does not change. Killing right
after a mutation reaches the API server is the emulator's job
(:meth:`openclaw.testing.kube.EmulatedCluster.after_mutation`).
"""

from __future__ import annotations

import os
import signal
import sys
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.tracers.context import register_configure_hook

CRASH_AT = "OPENCLAW_TEST_CRASH_AT"
"""The environment variable naming the crash point: ``before:<node>`` or ``after:<node>``."""

_handler: ContextVar[BaseCallbackHandler | None] = ContextVar("openclaw_test_crash", default=None)


class CrashAt(BaseCallbackHandler):
    """SIGKILL this process when the graph node ``node`` starts (``when="before"``) or returns (``"after"``)."""

    run_inline = True

    def __init__(self, when: str, node: str) -> None:
        if when not in ("before", "after"):
            raise ValueError(f"{CRASH_AT}: {when!r} must be 'before' or 'after'")
        self.when, self.node = when, node
        self._nodes: set[UUID] = set()

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, metadata: dict[str, Any] | None = None,
                       **kwargs: Any) -> None:
        node = (metadata or {}).get("langgraph_node")
        if node == self.node and kwargs.get("name") == node:
            if self.when == "before":
                os.kill(os.getpid(), signal.SIGKILL)
            self._nodes.add(run_id)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        if run_id in self._nodes and self.when == "after":
            os.kill(os.getpid(), signal.SIGKILL)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        # interrupt() ends the gate node with GraphInterrupt: it returned, as far as the run is concerned
        if run_id in self._nodes and self.when == "after":
            os.kill(os.getpid(), signal.SIGKILL)


def install(point: str | None) -> None:
    """Add a :class:`CrashAt` for ``point`` (``before:<node>``/``after:<node>``) to every LangChain run."""
    if not point:
        return
    when, _, node = point.partition(":")
    register_configure_hook(_handler, inheritable=True)
    _handler.set(CrashAt(when, node))


def main(argv: list[str] | None = None) -> int:
    from openclaw.cli.main import main as openclaw_main

    install(os.environ.get(CRASH_AT))
    return openclaw_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
