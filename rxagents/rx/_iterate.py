"""Rx -> asyncio: iterate any Observable with ``async for``, through a bounded buffer.

Producers of rxagents runs wait while the buffer is full (real backpressure:
the model is never read more than ``maxsize`` events ahead). Sources that cannot
wait (subjects, hot handles) meet the ``overflow`` policy instead.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from types import TracebackType
from typing import Literal, TypeAlias, TypeVar

from reactivex import Observable, abc
from reactivex.scheduler.eventloop import AsyncIOScheduler

from rxagents.errors import AgentsError, UserError
from rxagents.rx._backpressure import current_demand
from rxagents.rx._coalesce import TextRun, same_text_part

__all__ = ["BufferOverflow", "ObservableIterator", "Overflow", "aiter"]

T = TypeVar("T")

Overflow: TypeAlias = Literal["grow", "error", "drop_oldest", "drop_newest", "coalesce_text"]
_POLICIES = ("grow", "error", "drop_oldest", "drop_newest", "coalesce_text")


class BufferOverflow(AgentsError):
    """A source that cannot wait outran an iterator with ``overflow="error"``."""


class ObservableIterator(AsyncIterator[T]):
    """An async iterator (and async context manager) over an Observable.

    The subscription starts at the first item asked for (or ``__aenter__``).
    Leaving a plain ``async for`` by any path (``break``, an exception, a
    timeout, a cancelled task), ``aclose()``, or leaving ``async with`` disposes
    it, which cancels an rxagents run and closes its model's HTTP stream.

    Args:
        source: the Observable to iterate.
        maxsize: how many items may wait in the buffer. rxagents' own producers
            (runs, ``from_async_iterable``) wait while it is full, before reading
            their next item: a model is never read more than ``maxsize`` items
            ahead of the consumer.
        overflow: what to do when a source that cannot wait (a subject, a hot
            handle) overfills it: ``grow`` keeps everything; ``error`` delivers
            what is buffered, then raises :class:`BufferOverflow` (and
            unsubscribes); ``drop_oldest`` / ``drop_newest`` discard; and
            ``coalesce_text`` merges the incoming text delta into the last
            buffered one of the same part (lossless; other items are kept, so
            the buffer may exceed ``maxsize`` by non-text items and part changes).

    Attributes:
        dropped: how many items the overflow policy discarded or merged away.
    """

    def __init__(self, source: Observable[T], maxsize: int = 256, overflow: Overflow = "grow"):
        if maxsize < 1:
            raise UserError(f"maxsize must be >= 1, got {maxsize}")
        if overflow not in _POLICIES:
            raise UserError(f"overflow must be one of {', '.join(_POLICIES)}; got {overflow!r}")
        self._source = source
        self._maxsize = maxsize
        self._overflow = overflow
        self._buffer: deque[T] = deque()
        self._consumer: asyncio.Future[None] | None = None
        self._producers: list[asyncio.Future[None]] = []
        self._done = False
        self._error: BaseException | None = None
        self._subscription: abc.DisposableBase | None = None
        self._closed = False
        self._tail: TextRun | None = None
        self._overflowed = False
        self._burst = 1  # see full(): 1, 2, 4, ... up to maxsize
        self.dropped = 0

    # -- the demand a producer sees ----------------------------------------
    def full(self) -> bool:
        """Whether a producer should wait before reading its next item.

        It should when the buffer holds ``maxsize`` items, or holds a burst while
        the consumer waits for its turn to run. The burst (1, 2, 4, ... items,
        doubling each time a producer waits, up to ``maxsize``) hands the first
        items over at once even when the source never awaits, without giving up
        large batches on a long run.
        """
        held = len(self._buffer) + (self._tail is not None)
        if held >= self._maxsize or (held >= self._burst and self._consumer is not None):
            return not self._closed
        return False

    async def wait_for_space(self) -> None:
        """Return once the consumer has taken an item (or the iterator was closed)."""
        while self.full():
            self._burst = min(self._burst * 2, self._maxsize)
            waiter = asyncio.get_running_loop().create_future()
            self._producers.append(waiter)
            await waiter

    def _release_producers(self) -> None:
        producers, self._producers = self._producers, []
        for waiter in producers:
            if not waiter.done():
                waiter.set_result(None)

    # -- observer side ------------------------------------------------------
    def _on_next(self, value: T) -> None:
        if self._closed or self._done:
            return
        tail = self._tail
        if len(self._buffer) + (tail is not None) >= self._maxsize and self._overflow != "grow":
            if not self._overflow_with(value):
                return
        elif tail is not None:
            self._buffer.append(tail.build())
            self._tail = None
        self._buffer.append(value)
        self._wake_consumer()

    def _overflow_with(self, value: T) -> bool:
        """Apply the policy to a full buffer; True when ``value`` should still be appended."""
        policy = self._overflow
        if policy == "error":
            self._overflowed = True
            self._on_error(
                BufferOverflow(
                    f"the consumer fell {self._maxsize} items behind a source that cannot wait "
                    f"(overflow='error', maxsize={self._maxsize}); consume faster, raise maxsize, "
                    "or choose another overflow policy (grow, drop_oldest, drop_newest, "
                    "coalesce_text)"
                )
            )
            self._dispose()
            return False
        if policy == "drop_newest":
            self.dropped += 1
            return False
        if policy == "drop_oldest":
            self.dropped += 1
            self._buffer.popleft()  # (no text tail: that exists only under coalesce_text)
            return True
        # coalesce_text: merge into the last buffered text delta; keep anything else.
        tail = self._tail
        if tail is not None:
            if same_text_part(tail.last, value):
                tail.add(value)
                self.dropped += 1
                return False
            self._buffer.append(tail.build())
            self._tail = None
            return True
        if self._buffer and same_text_part(self._buffer[-1], value):
            tail = TextRun(self._buffer.pop())
            tail.add(value)
            self._tail = tail
            self.dropped += 1
            return False
        return True

    def _on_error(self, error: Exception) -> None:
        if not self._done:
            self._error = error
            self._done = True
            self._wake_consumer()

    def _on_completed(self) -> None:
        self._done = True
        self._wake_consumer()

    def _wake_consumer(self) -> None:
        waiter = self._consumer
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- consumer side ------------------------------------------------------
    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        token = current_demand.set(self)
        try:
            self._subscription = self._source.subscribe(
                self._on_next,
                self._on_error,
                self._on_completed,
                scheduler=AsyncIOScheduler(loop),
            )
        finally:
            current_demand.reset(token)
        if self._overflowed:  # overflowed while subscribing (a replaying subject)
            self._dispose()

    def __aiter__(self) -> AsyncIterator[T]:
        # Python calls no aclose() on a custom iterator that ``async for`` leaves by
        # ``break``; it does close an async generator: the generator's ``finally``
        # runs on an exception or cancellation, and the event loop's finalizer hook
        # (``sys.set_asyncgen_hooks``) acloses it once ``break`` drops the last
        # reference. The subscription holds this iterator, never the generator.
        return self._items()

    async def _items(self) -> AsyncGenerator[T, None]:
        try:
            while True:
                try:
                    value = await self.__anext__()
                except StopAsyncIteration:
                    return
                yield value
        finally:
            await self.aclose()

    async def __anext__(self) -> T:
        if self._subscription is None and not self._closed:
            self._start()
        while not self._buffer and self._tail is None:
            if self._done or self._closed:
                if self._error is not None:
                    error, self._error = self._error, None
                    raise error
                raise StopAsyncIteration
            self._consumer = asyncio.get_running_loop().create_future()
            try:
                await self._consumer
            finally:
                self._consumer = None
        if self._buffer:
            value = self._buffer.popleft()
        else:
            assert self._tail is not None
            value = self._tail.build()
            self._tail = None
        if self._producers and not self.full():
            self._release_producers()
        return value

    def _dispose(self) -> None:
        if self._subscription is not None:
            self._subscription.dispose()

    async def aclose(self) -> None:
        """Stop: dispose the subscription (cancelling the run) and drop what is buffered."""
        if self._closed:
            return
        self._closed = True
        self._dispose()
        self._buffer.clear()
        self._tail = None
        self._release_producers()
        # Let the cancelled producer tasks run their cleanup before returning.
        await asyncio.sleep(0)

    async def __aenter__(self) -> ObservableIterator[T]:
        if self._subscription is None:
            self._start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def aiter(
    source: Observable[T], *, maxsize: int = 256, overflow: Overflow = "grow"
) -> ObservableIterator[T]:
    """Iterate an Observable: ``async for x in aiter(obs): ...``.

    Example:
        >>> async def texts(stream):
        ...     async with aiter(stream.pipe(rxo.text_deltas())) as deltas:
        ...         return [d async for d in deltas]
    """
    return ObservableIterator(source, maxsize, overflow)
