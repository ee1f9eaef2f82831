"""RunHandle: a hot run that replays every event to every subscriber."""

from __future__ import annotations

import asyncio
from typing import Literal

from reactivex import Observable, abc
from reactivex.subject import ReplaySubject

from rxagents.errors import RunCancelled, UserError
from rxagents.events import RunCompletedStreamEvent, StreamEvent
from rxagents.result import RunResult
from rxagents.run._loop import RunControl

__all__ = ["RunHandle"]


class RunHandle:
    """A run that started at once (``Runner.start``), held for any number of readers.

    Attributes:
        run_id: the ``run_id`` of every event of this run.
        events: an Observable replaying every event from the start, then the
            run's completion or error, to each subscriber, late ones included.
    """

    def __init__(self, run_id: str, source: Observable[StreamEvent], control: RunControl) -> None:
        self.run_id = run_id
        self._control = control
        self._subject: ReplaySubject[StreamEvent] = ReplaySubject()
        self._result: asyncio.Future[RunResult] = asyncio.get_running_loop().create_future()
        self._result.add_done_callback(_retrieve)
        self.events: Observable[StreamEvent] = Observable(self._subscribe_events)
        self._subscription = source.subscribe(self._on_next, self._on_error, self._on_completed)

    def _subscribe_events(
        self, observer: abc.ObserverBase[StreamEvent], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        def on_error(error: Exception) -> None:
            try:
                observer.on_error(error)
            except Exception as raised:
                # A subscriber without on_error re-raises the run's error (RxPY's
                # default); that must not stop the subject telling the others.
                if raised is not error:
                    raise

        return self._subject.subscribe(
            observer.on_next, on_error, observer.on_completed, scheduler=scheduler
        )

    def _on_next(self, event: StreamEvent) -> None:
        if isinstance(event, RunCompletedStreamEvent) and not self._result.done():
            self._result.set_result(event.result)
        self._subject.on_next(event)

    def _on_error(self, error: Exception) -> None:
        if not self._result.done():
            self._result.set_exception(error)
        self._subject.on_error(error)

    def _on_completed(self) -> None:
        if not self._result.done():
            self._result.set_exception(RunCancelled("the run completed without a final output"))
        self._subject.on_completed()

    @property
    def done(self) -> bool:
        """The run has ended (completed, failed or cancelled)."""
        return self._result.done()

    async def result(self) -> RunResult:
        """Wait for the run's result; raises the run's error, or RunCancelled."""
        return await asyncio.shield(self._result)

    def cancel(self, mode: Literal["immediate", "after_turn"] = "immediate") -> None:
        """Stop the run.

        ``immediate`` stops it now: the model stream is closed, running tools are
        cancelled, and subscribers get ``on_error(RunCancelled)``. ``after_turn``
        lets the current turn's tools finish and emit, then completes with a
        result whose ``interrupted`` is true.
        """
        if mode == "after_turn":
            self._control.stop_after_turn = True
            return
        if mode != "immediate":
            raise UserError(f"cancel mode must be 'immediate' or 'after_turn', got {mode!r}")
        if self._result.done():
            return
        self._subscription.dispose()
        self._on_error(RunCancelled(f"run {self.run_id} was cancelled"))


def _retrieve(future: asyncio.Future[RunResult]) -> None:
    # Nobody may ever await result(); don't let asyncio log "exception never retrieved".
    if not future.cancelled():
        future.exception()
