"""The only places where asyncio meets Rx: into Observables, and back out.

The modules under ``rxagents/rx/`` are private; these names are the API.
"""

from rxagents.rx._backpressure import Demand, current_demand
from rxagents.rx._bridge import from_async_iterable
from rxagents.rx._iterate import BufferOverflow, ObservableIterator, Overflow, aiter

__all__ = [
    "BufferOverflow",
    "Demand",
    "ObservableIterator",
    "Overflow",
    "aiter",
    "current_demand",
    "from_async_iterable",
]

# Reprs and docs show the public home (httpx style). BufferOverflow still pickles:
# pickle looks the class up by this module and name, and both resolve.
for _public in (BufferOverflow, ObservableIterator):
    _public.__module__ = "rxagents.rx"
del _public
