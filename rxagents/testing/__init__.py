"""Testing agents and pipelines: a scripted model, strategies, a grammar checker, marbles.

Everything here works without a model or a network. The hypothesis strategies
(:func:`scripts`, :func:`stream_events`, :func:`text_chunkings`, :func:`timed`)
need ``hypothesis`` installed (``pip install -e '.[testing]'``); they are
imported on first use. :class:`ScriptedModel` and its steps live with the
models (:mod:`rxagents.models.scripted`) and are re-exported here.

Public modules: ``builders``, ``collect``, ``grammar``, ``marbles``, ``probes``,
``script``, ``strategies``, ``texts``, ``openai_fixtures`` and ``openai_server``
(the fake OpenAI server, needs ``rxagents[web]``), ``pytest_plugin``; modules
starting with ``_`` are plumbing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rxagents.models.scripted import ScriptedModel, ScriptStep, raise_error, text, tool_call
from rxagents.testing.builders import StreamBuilder
from rxagents.testing.collect import Collected, collect, collect_sync
from rxagents.testing.grammar import RULES, GrammarViolation, assert_valid_run, grammar_violations
from rxagents.testing.marbles import Marbles, parse_marbles, recorded_values
from rxagents.testing.probes import (
    ProbeCall,
    ToolProbe,
    assert_no_pending_tasks,
    pending_tasks,
    sample_tools,
)
from rxagents.testing.script import BuiltScript, Script, ScriptedToolError
from rxagents.testing.texts import delta_text, message_texts

if TYPE_CHECKING:
    from rxagents.testing.strategies import (
        FAILURES,
        Failure,
        scripts,
        stream_events,
        text_chunkings,
        timed,
    )

_STRATEGIES = {"FAILURES", "Failure", "scripts", "stream_events", "text_chunkings", "timed"}

__all__ = [
    "FAILURES",
    "RULES",
    "BuiltScript",
    "Collected",
    "Failure",
    "GrammarViolation",
    "Marbles",
    "ProbeCall",
    "Script",
    "ScriptStep",
    "ScriptedModel",
    "ScriptedToolError",
    "StreamBuilder",
    "ToolProbe",
    "assert_no_pending_tasks",
    "assert_valid_run",
    "collect",
    "collect_sync",
    "delta_text",
    "grammar_violations",
    "message_texts",
    "parse_marbles",
    "pending_tasks",
    "raise_error",
    "recorded_values",
    "sample_tools",
    "scripts",
    "stream_events",
    "text",
    "text_chunkings",
    "timed",
    "tool_call",
]


def __getattr__(name: str) -> Any:
    if name in _STRATEGIES:
        try:
            from rxagents.testing import strategies
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                f"rxagents.testing.{name} needs hypothesis: pip install -e '.[testing]'"
            ) from exc
        return getattr(strategies, name)
    raise AttributeError(f"module 'rxagents.testing' has no attribute {name!r}")
