"""Fixtures for the model tests: one fake OpenAI server for the session, fresh per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest

from rxagents.events import StreamEvent
from rxagents.testing.openai_server import FakeOpenAIServer

FAKE_KEY = "sk-test-Zq8Jd0fakefakefake7Hh2"
"""Not a real key: tests check it never shows up in errors or reprs."""


@pytest.fixture(scope="session")
def session_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def server(session_server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    session_server.reset()
    session_server.default = None
    yield session_server
    session_server.reset()


@pytest.fixture
def client(server: FakeOpenAIServer) -> openai.AsyncOpenAI:
    """A client for the fake server; no retries unless a test asks for them."""
    return openai.AsyncOpenAI(base_url=server.base_url, api_key=FAKE_KEY, max_retries=0)


def raw_types(events: list[StreamEvent]) -> list[str]:
    """The Responses event types of a run's raw events."""
    return [e.data.type for e in events if e.type == "raw_response_event"]


def text_deltas(events: list[Any]) -> list[str]:
    """The text deltas of a run, in order."""
    return [
        e.data.delta
        for e in events
        if e.type == "raw_response_event" and e.data.type == "response.output_text.delta"
    ]


def names(events: list[StreamEvent]) -> list[str]:
    """Run item event names and agent switches, in order."""
    out = []
    for e in events:
        if e.type == "run_item_stream_event":
            out.append(e.name)
        elif e.type == "agent_updated_stream_event":
            out.append(f"agent:{e.new_agent.name}")
    return out
