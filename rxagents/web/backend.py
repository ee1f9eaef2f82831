"""Where the web app's runs live: the :class:`RunBackend` interface and its in-memory version.

The HTTP layer (:mod:`rxagents.web.app`) only talks to a ``RunBackend``, so the
runs can be held in this process (:class:`InMemoryRunBackend`, the default) or
elsewhere (e.g. a Redis queue with workers) without touching the endpoints.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import reactivex
from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.disposable import Disposable

from rxagents.agent import Agent
from rxagents.errors import AgentsError, UserError
from rxagents.events import StreamEvent
from rxagents.models.base import ModelProvider
from rxagents.run import RunHandle, Runner

__all__ = ["InMemoryRunBackend", "RunBackend", "TooManyRuns", "UnknownRun"]


class TooManyRuns(AgentsError):
    """The backend is at its limit of concurrent (or held) runs; retry later (HTTP 429)."""


class UnknownRun(AgentsError):
    """No run with this id is held: it never existed or its retention ended (HTTP 404)."""

    def __init__(self, run_id: str) -> None:
        super().__init__(
            f"no run with id {run_id!r}: it does not exist or is no longer held "
            "(finished runs are kept for a limited time); start a new run with POST /runs"
        )
        self.run_id = run_id


@runtime_checkable
class RunBackend(Protocol):
    """Starts runs, serves their events from the start (or after a point), cancels them.

    Every method runs on the web server's event loop. Implementations must be
    safe to call for any run id, known or not.
    """

    async def start(self, input: str | Sequence[dict[str, Any]]) -> str:
        """Start a run on ``input`` now (hot: it runs whether or not anyone reads it).

        ``input`` is a prompt or a conversation as Responses input items (the
        chat endpoints send the whole conversation).

        Returns:
            The run's id (the ``run_id`` of its events).

        Raises:
            TooManyRuns: the backend cannot take another run now.
        """
        ...

    async def events(self, run_id: str, after: int | None = None) -> Observable[StreamEvent]:
        """The run's events with ``sequence_number > after`` (all of them when ``None``).

        The Observable replays what already happened, then follows the run live;
        it completes after the run's last event, or fails with the run's error
        (:class:`~rxagents.errors.RunCancelled` when cancelled). Disposing a
        subscription only stops that reader, never the run itself. It is async so
        that a remote backend can check that the run exists before the HTTP
        response starts.

        Raises:
            UnknownRun: no run with this id is held.
        """
        ...

    async def cancel(self, run_id: str) -> None:
        """Stop the run now (readers see it fail with RunCancelled); no-op if it ended.

        Raises:
            UnknownRun: no run with this id is held.
        """
        ...

    async def aclose(self) -> None:
        """Cancel every running run and release resources (server shutdown)."""
        ...


@dataclass(eq=False)
class _Held:
    handle: RunHandle
    readers: int = 0
    finished: bool = False
    timers: list[asyncio.TimerHandle] = field(default_factory=list)

    def clear_timers(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()


class InMemoryRunBackend:
    """Runs held in this process, each a hot :meth:`Runner.start` handle.

    Retention is bounded: at most ``max_runs`` runs are held (finished ones are
    evicted oldest first to make room), a finished run is forgotten ``ttl``
    seconds after it ends, and at most ``max_concurrent`` runs may be running.
    A running run that nobody has read for ``orphan_timeout`` seconds (the
    browser went away and did not reconnect) is cancelled.

    Args:
        agent: the agent every run starts with, or a function of no arguments
            returning a fresh agent per run (for agents with per-run state).
        max_concurrent: running runs allowed at once; more raise :class:`TooManyRuns`.
        max_runs: runs held at once, running or finished (``>= max_concurrent``).
        ttl: seconds a finished run stays readable (for ``Last-Event-ID`` resumes).
        orphan_timeout: seconds a running run may go without any reader before it is
            cancelled; ``None`` never cancels.
        max_turns: passed to :meth:`Runner.start`.
        model_provider: passed to :meth:`Runner.start`.
        context: passed to :meth:`Runner.start` for every run.
    """

    def __init__(
        self,
        agent: Agent[Any] | Callable[[], Agent[Any]],
        *,
        max_concurrent: int = 8,
        max_runs: int = 100,
        ttl: float = 600.0,
        orphan_timeout: float | None = 30.0,
        max_turns: int = 10,
        model_provider: ModelProvider | None = None,
        context: Any = None,
    ) -> None:
        if max_concurrent < 1:
            raise UserError(f"max_concurrent must be >= 1, got {max_concurrent}")
        if max_runs < max_concurrent:
            raise UserError(
                f"max_runs ({max_runs}) must be >= max_concurrent ({max_concurrent}): "
                "every running run is held"
            )
        if ttl < 0:
            raise UserError(f"ttl must be >= 0 seconds, got {ttl}")
        if orphan_timeout is not None and orphan_timeout < 0:
            raise UserError(f"orphan_timeout must be >= 0 seconds or None, got {orphan_timeout}")
        self.agent = agent
        self.max_concurrent = max_concurrent
        self.max_runs = max_runs
        self.ttl = ttl
        self.orphan_timeout = orphan_timeout
        self._max_turns = max_turns
        self._provider = model_provider
        self._context = context
        self._runs: OrderedDict[str, _Held] = OrderedDict()

    # -- introspection (tests, metrics) --------------------------------------
    @property
    def running(self) -> int:
        """How many held runs are still running."""
        return sum(1 for held in self._runs.values() if not held.finished)

    @property
    def held(self) -> int:
        """How many runs are held (running or finished)."""
        return len(self._runs)

    def handle(self, run_id: str) -> RunHandle:
        """The :class:`~rxagents.RunHandle` of a held run (e.g. to await its result)."""
        return self._get(run_id).handle

    # -- RunBackend -----------------------------------------------------------
    async def start(self, input: str | Sequence[dict[str, Any]]) -> str:
        """Start a run; see :meth:`RunBackend.start`."""
        if self.running >= self.max_concurrent:
            raise TooManyRuns(
                f"{self.running} runs are already running (limit {self.max_concurrent}); "
                "wait for one to finish or cancel one, then retry"
            )
        if len(self._runs) >= self.max_runs:
            self._evict_one_finished()
        handle = Runner.start(
            self.agent if isinstance(self.agent, Agent) else self.agent(),
            input,
            context=self._context,
            max_turns=self._max_turns,
            model_provider=self._provider,
        )
        held = _Held(handle)
        self._runs[handle.run_id] = held
        handle.events.subscribe(
            on_error=lambda _error: self._finished(held),
            on_completed=lambda: self._finished(held),
        )
        if not held.finished:
            self._arm_orphan_timer(held)
        return handle.run_id

    async def events(self, run_id: str, after: int | None = None) -> Observable[StreamEvent]:
        """The run's events after ``after``; see :meth:`RunBackend.events`."""
        held = self._get(run_id)
        source: Observable[StreamEvent] = held.handle.events
        if after is not None:
            start = after

            def is_new(event: StreamEvent) -> bool:
                return event.sequence_number > start

            source = source.pipe(ops.filter(is_new))

        def subscribe(
            observer: abc.ObserverBase[StreamEvent], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            held.readers += 1
            if not held.finished:
                held.clear_timers()  # the orphan timer: someone is reading again
            inner = source.subscribe(observer, scheduler=scheduler)

            def dispose() -> None:
                inner.dispose()
                held.readers -= 1
                if held.readers == 0 and not held.finished:
                    self._arm_orphan_timer(held)

            return Disposable(dispose)

        return reactivex.create(subscribe)

    async def cancel(self, run_id: str) -> None:
        """Cancel a run; see :meth:`RunBackend.cancel`."""
        self._get(run_id).handle.cancel()

    async def aclose(self) -> None:
        """Cancel every running run and forget all runs."""
        for held in list(self._runs.values()):
            held.clear_timers()
            held.handle.cancel()
        self._runs.clear()

    # -- internals -------------------------------------------------------------
    def _get(self, run_id: str) -> _Held:
        held = self._runs.get(run_id)
        if held is None:
            raise UnknownRun(run_id)
        return held

    def _finished(self, held: _Held) -> None:
        if held.finished:
            return
        held.finished = True
        held.clear_timers()
        run_id = held.handle.run_id
        if self.ttl == 0:
            self._runs.pop(run_id, None)
            return
        loop = asyncio.get_running_loop()
        held.timers.append(loop.call_later(self.ttl, self._forget, run_id, held))

    def _forget(self, run_id: str, held: _Held) -> None:
        if self._runs.get(run_id) is held:
            del self._runs[run_id]

    def _evict_one_finished(self) -> None:
        for run_id, held in self._runs.items():
            if held.finished:
                held.clear_timers()
                del self._runs[run_id]
                return
        raise TooManyRuns(  # unreachable while max_runs >= max_concurrent; kept as a guard
            f"{len(self._runs)} runs are held and none has finished; retry later"
        )

    def _arm_orphan_timer(self, held: _Held) -> None:
        if self.orphan_timeout is None:
            return
        held.clear_timers()
        loop = asyncio.get_running_loop()
        held.timers.append(loop.call_later(self.orphan_timeout, self._cancel_orphan, held))

    def _cancel_orphan(self, held: _Held) -> None:
        if held.readers == 0 and not held.finished:
            held.handle.cancel()
