"""The embedded ``rules`` provider: deterministic intent, complexity and tool-call extraction.

It answers when no LLM is configured or all of them failed, so it needs no network,
no configuration and no model. Modules:

- :mod:`.intent` — ``classify_intent(text) -> IntentGuess``
- :mod:`.complexity` — ``analyze_complexity(text, task_type) -> ComplexityGuess``
- :mod:`.extract` — ``extract_tool_calls(text, ctx) -> list[ProposedCall]``
- :mod:`.reply` — ``compose_reply(text, task_type, calls) -> str``
- :mod:`.requests`, :mod:`.entities`, :mod:`.signals`, :mod:`.numbers`, :mod:`.lexicon` — the parts.
"""

from __future__ import annotations

from openclaw.providers.rules.complexity import analyze_complexity
from openclaw.providers.rules.extract import extract_tool_calls
from openclaw.providers.rules.intent import classify_intent
from openclaw.providers.rules.reply import compose_reply
from openclaw.providers.rules.types import (
    ComplexityGuess, ExtractionContext, IntentGuess, Level, ProposedCall, TaskType,
)

__all__ = [
    "ComplexityGuess", "ExtractionContext", "IntentGuess", "Level", "ProposedCall", "TaskType",
    "analyze_complexity", "classify_intent", "compose_reply", "extract_tool_calls",
]
