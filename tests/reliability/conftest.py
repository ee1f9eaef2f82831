"""Fixtures for the fault-injection suite: hostile servers and clients aimed at them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest

from rxagents.agent import Agent
from rxagents.models import OpenAIChatCompletionsModel, OpenAIResponsesModel, StreamLimits
from tests.reliability.hostile import HostileServer, Plan, Seen

KEY = "rk-test-9Qw2Lm7Zt4Vb1Nc8"
"""Not a real key: the suite checks it never shows up anywhere."""


@pytest.fixture
def hostile() -> Iterator[Callable[[Callable[[Seen], Plan]], HostileServer]]:
    """Start a :class:`HostileServer` for the test (stopped after it)."""
    with contextlib.ExitStack() as stack:

        def start(handler: Callable[[Seen], Plan]) -> HostileServer:
            return stack.enter_context(HostileServer(handler))

        yield start


def model_for(
    api: str,
    server: HostileServer,
    *,
    key: str = KEY,
    limits: StreamLimits | None = None,
    retries: int = 0,
    base_url: str | None = None,
) -> Any:
    """An OpenAI model of ``api`` (``"chat"``/``"responses"``) aimed at ``server``."""
    client = openai.AsyncOpenAI(
        base_url=base_url or server.base_url, api_key=key, max_retries=retries
    )
    cls = OpenAIChatCompletionsModel if api == "chat" else OpenAIResponsesModel
    return cls("m", client, limits=limits)


def agent_for(model: Any) -> Agent[Any]:
    return Agent("a", model=model)


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    """Start an ASGI app on uvicorn on an ephemeral 127.0.0.1 port; returns its URL."""
    from tests.web.support import serving

    with contextlib.ExitStack() as stack:

        def start(app: Any) -> str:
            return stack.enter_context(serving(app))

        yield start
