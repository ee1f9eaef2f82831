"""RunStream: the cold Observable ``Runner.run_streamed`` returns.

It is a plain ``reactivex.Observable`` (pipe it, subscribe to it, merge it) that
is also an async iterable and an async context manager, so the OpenAI Agents
SDK's ``async for`` / ``async with`` code runs unchanged, and awaitable for the
run's :class:`~rxagents.RunResult`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator
from typing import Any, ClassVar

from reactivex import Observable, abc

from rxagents.errors import AgentsError
from rxagents.events import RunCompletedStreamEvent, StreamEvent
from rxagents.result import RunResult
from rxagents.rx._bridge import subscribe_async_iterable
from rxagents.rx._iterate import ObservableIterator, Overflow

__all__ = ["RunStream"]


class RunStream(Observable[StreamEvent]):
    """A cold Observable of one agent run's events: every subscription is a new run.

    Example:
        >>> async for event in Runner.run_streamed(agent, "hi"):   # SDK style
        ...     print(event.type)
        >>> Runner.run_streamed(agent, "hi").pipe(rxo.text_deltas()).subscribe(print)
        >>> result = await Runner.run_streamed(agent, "hi")        # the RunResult
    """

    notebook_display: ClassVar[Callable[[RunStream], object] | None] = None
    """How a stream left as a notebook cell's value shows itself.

    Set from above the run loop (``rxagents/__init__.py`` sets it to the notebook
    sink's :func:`~rxagents.sinks.display_run`), so this module imports no sink.
    """

    def __init__(self, factory: Callable[[], AsyncIterator[StreamEvent]]) -> None:
        self._factory = factory
        self.last_result: RunResult | None = None
        """The result of the most recent run of this stream that completed."""

        def subscribe(
            observer: abc.ObserverBase[StreamEvent], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            # The bridge closes the run's generator when the subscription ends.
            return subscribe_async_iterable(self._factory, observer)

        super().__init__(subscribe)

    def record_result(self, result: RunResult) -> None:
        """Keep ``result`` as :attr:`last_result` (the run loop calls it as a run completes)."""
        self.last_result = result

    def events(
        self, *, maxsize: int = 256, overflow: Overflow = "grow"
    ) -> ObservableIterator[StreamEvent]:
        """Iterate one run with a bounded, backpressured buffer of ``maxsize`` events."""
        return ObservableIterator(self, maxsize, overflow)

    def stream_events(self) -> ObservableIterator[StreamEvent]:
        """The OpenAI Agents SDK's spelling of :meth:`events`."""
        return self.events()

    @property
    def final_output(self) -> Any:
        """The SDK's ``result.final_output`` after iterating: the last run's final output."""
        if self.last_result is None:
            raise AgentsError("no run of this stream has completed yet; iterate or await it first")
        return self.last_result.final_output

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        # The iterator's own __aiter__ hands out the generator that ``break`` closes.
        return self.events().__aiter__()

    async def __aenter__(self) -> ObservableIterator[StreamEvent]:
        self._context_iterator = self.events()
        return await self._context_iterator.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        await self._context_iterator.aclose()

    async def result(self) -> RunResult:
        """Run once and return its :class:`~rxagents.RunResult` (events are discarded)."""
        async with self.events(maxsize=1 << 30) as events:
            # __anext__ directly: ``async with`` already closes the iterator, so the
            # generator ``async for`` would hand out (and its finalizer task) is not needed.
            next_event = events.__anext__
            while True:
                try:
                    event = await next_event()
                except StopAsyncIteration:
                    break
                if isinstance(event, RunCompletedStreamEvent):
                    return event.result
        raise AgentsError("the run ended without a RunCompletedStreamEvent")

    def __await__(self) -> Generator[Any, None, RunResult]:  # type: ignore[override]
        return self.result().__await__()

    def _ipython_display_(self) -> None:
        """Left as a notebook cell's value, the stream runs once and shows itself live.

        See :func:`rxagents.sinks.display_run` (needs ``rxagents[notebook]``).
        """
        show = RunStream.notebook_display
        if show is None:
            raise AgentsError(
                "no notebook display is registered for RunStream; import rxagents, or call "
                "rxagents.sinks.display_run(stream)"
            )
        show(self)
