"""Agents the Temporal tests run, in and out of process (``--agent .../agent_file.py:make_agent``).

Their models answer from the request alone, as a real model does: a turn that runs
again on another worker gets the same answer. ``make_agent``: turn 1 calls
``record`` (a side effect: a line ``<pid> <note>`` appended to the file named
by ``RXAGENTS_SIDE_EFFECTS``) and ``lookup`` in parallel; turn 2 streams
:func:`reply_for` the input. Inputs starting with ``slow:`` stream turn 2 one
character every 25 ms (long enough to kill a worker mid-turn).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

from openai.types.responses import ResponseStreamEvent

from rxagents import Agent, function_tool
from rxagents.models.base import ModelRequest
from rxagents.testing import ScriptedModel, text, tool_call


def reply_for(user: str) -> str:
    """The text a run on ``user`` streams in its last turn."""
    return f"Answer to {user}: " + "".join(f"{i % 10}" for i in range(40))


@function_tool
def record(note: str) -> str:
    """Record a note (a side effect the tests count)."""
    path = os.environ.get("RXAGENTS_SIDE_EFFECTS")
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(f"{os.getpid()} {note}\n")
    return f"recorded {note}"


@function_tool
async def lookup(q: str) -> str:
    """Look a question up (slower than ``record``, so outputs come in call order)."""
    await asyncio.sleep(0.2)
    return f"notes on {q}"


def _user(request: ModelRequest) -> str:
    return next(str(i["content"]) for i in request.input if i.get("role") == "user")


class RequestModel:
    """Plays the turn the conversation is at (a fresh one-turn ScriptedModel per call)."""

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        user = _user(request)
        answered = any(i.get("type") == "function_call_output" for i in request.input)
        slow = user.startswith("slow:")
        turn: list[Any] = (
            [text(reply_for(user), chunk_size=1 if slow else 4, delay=0.025 if slow else 0.0)]
            if answered
            else [
                tool_call("record", {"note": user}, call_id="call_record"),
                tool_call("lookup", {"q": user}, call_id="call_lookup"),
            ]
        )
        return ScriptedModel([turn]).stream(request)


def make_agent() -> Agent[Any]:
    """A fresh agent per activity."""
    return Agent("echo", instructions="Answer.", tools=[record, lookup], model=RequestModel())
