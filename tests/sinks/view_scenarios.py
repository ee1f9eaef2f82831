"""Scripted runs shared by the terminal, progress, notebook and timeline tests."""

from __future__ import annotations

from typing import Any

from rxagents import Agent, function_tool
from rxagents.testing import ScriptedModel, text, tool_call


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@function_tool
def get_time(city: str) -> str:
    """The local time in a city."""
    return f"12:00 in {city}"


def travel_desk(delay: float = 0.0) -> Agent[Any]:
    """``triage`` calls two tools in parallel, then hands off to ``booking``, which answers."""
    booking: Agent[Any] = Agent(
        "booking",
        model=ScriptedModel(
            [[text("Booked: a sunny trip to Paris at noon.", chunk_size=5, delay=delay)]]
        ),
    )
    return Agent(
        "triage",
        model=ScriptedModel(
            [
                [
                    tool_call("get_weather", {"city": "Paris"}, delay=delay),
                    tool_call("get_time", {"city": "Paris"}, delay=delay),
                ],
                [tool_call("transfer_to_booking", delay=delay)],
            ]
        ),
        tools=[get_weather, get_time],
        handoffs=[booking],
    )


def poet(delay: float = 0.0) -> Agent[Any]:
    """One agent that streams a short poem in one turn."""
    return Agent(
        "poet",
        model=ScriptedModel(
            [[text("Rivers run to the sea, never full.", chunk_size=4, delay=delay)]]
        ),
    )


@function_tool
def lookup(q: str) -> str:
    """Look something up."""
    return f"found: {q}"


def writer_with_researcher() -> Agent[Any]:
    """``writer`` calls ``research`` (the ``researcher`` agent as a tool), which calls
    ``lookup`` and answers; then ``writer`` answers."""
    researcher: Agent[Any] = Agent(
        "researcher",
        model=ScriptedModel(
            [[tool_call("lookup", {"q": "fox"})], [text("Foxes live in dens.", chunk_size=5)]]
        ),
        tools=[lookup],
    )
    return Agent(
        "writer",
        model=ScriptedModel(
            [[tool_call("research", {"input": "foxes"})], [text("Summary: dens.", chunk_size=4)]]
        ),
        tools=[researcher.as_tool("research", "Find facts")],
    )
