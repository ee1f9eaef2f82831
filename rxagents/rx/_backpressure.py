"""Demand from a bounded consumer, reaching the producer tasks of its subscription.

A bounded consumer (the async iterator bridge) sets :data:`current_demand`
while it subscribes. Producer tasks started inside that subscription inherit
the value (asyncio copies the context into new tasks) and wait while the
consumer's buffer is full, so a model is never read far ahead of its reader.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Protocol

__all__ = ["Demand", "current_demand"]


class Demand(Protocol):
    """What a producer asks of its consumer before each ``on_next``."""

    def full(self) -> bool:
        """The consumer cannot take another item now."""
        ...

    async def wait_for_space(self) -> None:
        """Return once the consumer can take an item (or has gone away)."""
        ...


current_demand: ContextVar[Demand | None] = ContextVar("rxagents_demand", default=None)
