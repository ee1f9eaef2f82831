"""A tqdm progress bar for runs: model turns and tool calls as steps.

The OpenAI Agents SDK guides count tool calls into a ``tqdm`` bar inside an
``async for`` loop; here the bar is an observer, so it attaches to any stream
(or merged streams) without touching the loop that consumes it::

    stream = Runner.run_streamed(agent, "Plan a trip")
    async for event in aiter(stream.pipe(progress("trip"))):   # rxagents.rx.aiter
        ...
    stream.subscribe(ProgressBar("trip"))                       # or just watch it

Every model turn and every tool call is one step; the total grows as steps
start and the bar fills as they finish, so a finished run reads ``n/n``. The
description says what is happening now (``triage: calling get_weather``) and the
postfix counts turns, tool calls and output tokens. ``tqdm.auto`` picks the
notebook widget in Jupyter and the text bar elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import CompositeDisposable, Disposable

from rxagents.errors import UserError
from rxagents.events import (
    AgentUpdatedStreamEvent,
    RawResponsesStreamEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
)
from rxagents.sinks.recording import untag

__all__ = ["ProgressBar", "progress"]

T = TypeVar("T")


def _tqdm_class() -> Any:
    try:
        from tqdm.auto import tqdm
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the install
        raise UserError("the progress bar needs tqdm: pip install -e '.[cli]'") from exc
    return tqdm


class ProgressBar(abc.ObserverBase[Any]):
    """An observer showing a run's turns and tool calls as a tqdm bar.

    Subscribe it to a run (``stream.subscribe(ProgressBar())``) or to merged
    runs; it closes the bar when the stream ends, fails or is disposed.

    Args:
        desc: the bar's label before the first agent shows up.
        tqdm_class: the bar class (default ``tqdm.auto.tqdm``).
        **tqdm_kwargs: passed to the bar (``file``, ``leave``, ``mininterval``...).

    Attributes:
        turns: model turns started.  tool_calls: tools called.
        finished: steps finished (turns completed plus tool outputs).
        output_tokens: output tokens reported by the model so far.
    """

    def __init__(self, desc: str = "run", *, tqdm_class: Any = None, **tqdm_kwargs: Any) -> None:
        bar_class = tqdm_class or _tqdm_class()
        tqdm_kwargs.setdefault("unit", "step")
        self.bar: Any = bar_class(total=0, desc=desc, **tqdm_kwargs)
        self.turns = 0
        self.tool_calls = 0
        self.finished = 0
        self.output_tokens = 0
        self._agents: dict[tuple[str | None, str], str] = {}
        self._writing: set[tuple[str | None, str]] = set()
        self._closed = False

    # -- observer ----------------------------------------------------------
    def on_next(self, value: Any) -> None:
        if self._closed:
            return
        source, event = untag(value)
        if getattr(event, "type", None) == "run_failed_event":  # merge_runs(on_error="continue")
            self.bar.set_description_str(f"{source}: failed ({event.message})", refresh=False)
            self.bar.update(0)
            return
        run = (source, event.run_id)
        step = 0
        status: str | None = None
        if isinstance(event, AgentUpdatedStreamEvent):
            self._agents[run] = event.new_agent.name
            status = "starting"
        elif isinstance(event, RawResponsesStreamEvent):
            kind = event.data.type
            if kind == "response.created":
                self._writing.discard(run)
                self.turns += 1
                self._grow()
                status = "thinking"
            elif kind in ("response.completed", "response.incomplete"):
                usage: Any = getattr(event.data, "response", None)
                if usage is not None and usage.usage is not None:
                    self.output_tokens += usage.usage.output_tokens
                step = 1
            elif kind == "response.output_text.delta" and run not in self._writing:
                self._writing.add(run)
                status = "writing"
        elif isinstance(event, RunItemStreamEvent):
            item: Any = event.item
            if event.name == "tool_called":
                self.tool_calls += 1
                self._grow()
                status = f"calling {item.raw_item.name}"
            elif event.name == "tool_output":
                step = 1
                status = "tool failed" if item.is_error else "tool done"
            elif event.name == "handoff_occured":
                status = f"handing off to {item.target_agent.name}"
        elif isinstance(event, RunCompletedStreamEvent):
            status = "done"
        if status is not None:
            self.bar.set_description_str(self._label(run, status), refresh=False)
        self.finished += step
        self.bar.set_postfix_str(
            f"turns={self.turns} tools={self.tool_calls} tokens={self.output_tokens}",
            refresh=False,
        )
        self.bar.update(step)

    def on_error(self, error: Exception) -> None:
        if not self._closed:
            self.bar.set_description_str(f"failed: {type(error).__name__}", refresh=False)
            self.close()

    def on_completed(self) -> None:
        self.close()

    def close(self) -> None:
        """Draw the final state and release the bar (idempotent)."""
        if not self._closed:
            self._closed = True
            self.bar.refresh()
            self.bar.close()

    # -- helpers -----------------------------------------------------------
    def _grow(self) -> None:
        self.bar.total = self.turns + self.tool_calls

    def _label(self, run: tuple[str | None, str], status: str) -> str:
        agent = self._agents.get(run, "agent")
        source = run[0]
        who = agent if source is None or source == agent else f"{source}/{agent}"
        return f"{who}: {status}"


def progress(
    desc: str = "run", *, tqdm_class: Any = None, **tqdm_kwargs: Any
) -> Callable[[Observable[T]], Observable[T]]:
    """Pass every event through unchanged while a :class:`ProgressBar` shows the run.

    Each subscription gets its own bar, closed when the stream ends or is disposed.

    .. marble::
        --a--b--c--|
        [ progress() ]
        --a--b--c--|       (and a bar: 0/1 ... 3/3 done)

    Args:
        desc: the bar's initial label.
        tqdm_class: the bar class (default ``tqdm.auto.tqdm``).
        **tqdm_kwargs: passed to the bar.
    """

    def operator(source: Observable[T]) -> Observable[T]:
        def subscribe(
            observer: abc.ObserverBase[T], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            bar = ProgressBar(desc, tqdm_class=tqdm_class, **tqdm_kwargs)

            def on_next(value: T) -> None:
                bar.on_next(value)
                observer.on_next(value)

            def on_error(error: Exception) -> None:
                bar.on_error(error)
                observer.on_error(error)

            def on_completed() -> None:
                bar.on_completed()
                observer.on_completed()

            subscription = source.subscribe(on_next, on_error, on_completed, scheduler=scheduler)
            return CompositeDisposable(subscription, Disposable(bar.close))

        return Observable(subscribe)

    return operator
