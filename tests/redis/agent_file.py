"""The agent `rxagents worker --agent tests/redis/agent_file.py:make_agent` serves in tests.

``make_agent`` is a function, so the worker builds a fresh agent (and a fresh
ScriptedModel) for every run. The script depends on the run's input only, so a
test can check each run's text: turn 1 calls ``lookup``, turn 2 streams
:func:`reply_for` the input. Inputs starting with ``slow:`` stream one character
every 20 ms (long enough to kill a worker mid-run).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from openai.types.responses import ResponseStreamEvent

from rxagents import Agent, function_tool
from rxagents.models.base import ModelRequest
from rxagents.testing import ScriptedModel, text, tool_call


def reply_for(user: str) -> str:
    """The text a run on ``user`` streams."""
    return f"Answer to {user}: " + "".join(f"{i % 10}" for i in range(40))


@function_tool
def lookup(q: str) -> str:
    """Look a question up."""
    return f"notes on {q}"


class EchoScriptModel:
    """Plays a two-turn script derived from the request (a fresh ScriptedModel per call)."""

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        user = next(str(i["content"]) for i in request.input if i.get("role") == "user")
        answered = any(i.get("type") == "function_call_output" for i in request.input)
        slow = user.startswith("slow:")
        turn: list[Any] = (
            [text(reply_for(user), chunk_size=1 if slow else 4, delay=0.02 if slow else 0.0)]
            if answered
            else [tool_call("lookup", {"q": user})]
        )
        return ScriptedModel([turn]).stream(request)


def make_agent() -> Agent[Any]:
    """A fresh agent per run."""
    return Agent("echo", instructions="Answer.", tools=[lookup], model=EchoScriptModel())


def scripted_once() -> Agent[Any]:
    """The plain pattern: a new ScriptedModel (one turn per call) for each run."""
    return Agent("scripted", model=ScriptedModel([[text("scripted hello", chunk_size=3)]]))
