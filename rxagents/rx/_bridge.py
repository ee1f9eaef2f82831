"""asyncio -> Rx: an async iterator factory as a cold Observable.

Each subscription starts one task on the running loop that iterates a fresh
iterator and forwards its items. Disposing cancels the task, which closes the
iterator (and with it the model's HTTP stream and running tools).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import Disposable

from rxagents.errors import UserError
from rxagents.rx._backpressure import current_demand

__all__ = ["from_async_iterable", "subscribe_async_iterable"]

T = TypeVar("T")


def _running_loop() -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise UserError(
            "an rxagents run must be subscribed inside a running asyncio event loop: "
            "use `async for` / `await` in async code, or Runner.run_sync / "
            "rxagents.testing.collect_sync from synchronous code"
        ) from None


def subscribe_async_iterable(
    factory: Callable[[], AsyncIterator[T]],
    observer: abc.ObserverBase[T],
) -> abc.DisposableBase:
    """Start iterating ``factory()`` in a task, forwarding to ``observer``."""
    loop = _running_loop()
    disposed = False
    demand = current_demand.get()

    async def pump() -> None:
        iterator = factory()
        anext, on_next = iterator.__anext__, observer.on_next  # bound once: the hot loop
        try:
            while True:
                # Wait for the consumer *before* reading, so the source is never
                # read more than the consumer's buffer size ahead of it.
                if demand is not None and demand.full():
                    await demand.wait_for_space()
                    if disposed:
                        return
                try:
                    item = await anext()
                except StopAsyncIteration:
                    break
                if disposed:
                    return
                on_next(item)
                if disposed:
                    return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not disposed:
                observer.on_error(exc)
            return
        finally:
            aclose: Any = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()
        if not disposed:
            observer.on_completed()

    task = loop.create_task(pump())

    def dispose() -> None:
        nonlocal disposed
        if disposed:
            return
        disposed = True
        # Disposed from inside on_next (take(n), a cancel button...): the pump
        # sees the flag right after on_next returns and closes the iterator
        # without a second event; cancelling itself would interrupt that cleanup.
        if asyncio.current_task() is not task:
            task.cancel()

    return Disposable(dispose)


def from_async_iterable(factory: Callable[[], AsyncIterator[T]]) -> Observable[T]:
    """A cold Observable that iterates a new ``factory()`` per subscription.

    .. marble::
        factory() yields a, b, c
        [ from_async_iterable(factory) ]
        -a-b-c-|
    """

    def subscribe(
        observer: abc.ObserverBase[T], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        return subscribe_async_iterable(factory, observer)

    return Observable(subscribe)
