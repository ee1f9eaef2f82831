"""The only places where asyncio meets Rx: into Observables, and back out."""

from rxagents.rx.bridge import from_async_iterable
from rxagents.rx.iterate import BufferOverflow, ObservableIterator, Overflow, aiter

__all__ = ["BufferOverflow", "ObservableIterator", "Overflow", "aiter", "from_async_iterable"]
