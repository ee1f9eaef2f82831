"""Fixtures for the web tests: real uvicorn servers on 127.0.0.1 and an httpx client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.web.support import serving


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    """Start an ASGI app on an ephemeral port (stopped after the test); returns its URL."""
    with contextlib.ExitStack() as stack:

        def start(app: Any) -> str:
            return stack.enter_context(serving(app))

        yield start


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client with a generous timeout (the machine is shared and noisy)."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(20.0)) as http:
        yield http
