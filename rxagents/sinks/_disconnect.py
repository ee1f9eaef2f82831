"""Know when an HTTP client went away before the end of a streamed response."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio

__all__ = ["watch_disconnect"]


async def watch_disconnect(
    content: AsyncIterator[str], on_disconnect: Callable[[], Awaitable[None]]
) -> AsyncIterator[str]:
    """Yield ``content``; await ``on_disconnect`` if it was not read to its end."""
    ended = False
    try:
        async for piece in content:
            yield piece
        ended = True
    finally:
        # When the client left, the response's task is being cancelled: shield the
        # clean-up, or its first await would be cancelled too.
        with anyio.CancelScope(shield=True):
            aclose: Any = getattr(content, "aclose", None)
            if aclose is not None:
                await aclose()
            if not ended:
                await on_disconnect()
