"""Runs that show themselves live in Jupyter.

``display_run(stream)`` puts an output area in the notebook and keeps updating
it through an IPython display handle as the run streams: one box per agent
with its text, tool calls (running, then their result), handoffs and usage,
and a state table per run. It returns at once: the run is a task on the
kernel's own event loop (Jupyter already runs one), so the kernel stays free
and other cells can run meanwhile; ``await`` the returned object to wait for it
and get every event with its arrival time (for :func:`~rxagents.sinks.timeline`).

A ``RunStream`` left as the last expression of a cell displays itself the same
way (``_ipython_display_``). Needs IPython (``pip install -e '.[notebook]'``).

Example (in a notebook cell)::

    live = display_run({"poet": Runner.run_streamed(poet, "a haiku"),
                        "critic": Runner.run_streamed(critic, "a review")})
    watched = await live          # optional: wait, then plot
    timeline(watched.events)
"""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Callable, Generator, Mapping
from typing import Any, Protocol

from reactivex import Observable

from rxagents.errors import UserError
from rxagents.sinks._panel import agent_parts
from rxagents.sinks.live import RunsView, SourceKey, Watched, watch, with_failure
from rxagents.sinks.recording import lane_label
from rxagents.snapshot import RunSnapshot, ToolCallState

__all__ = ["RunDisplay", "display_run", "render_html"]

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf")


class DisplayHandle(Protocol):
    """What :func:`display_run` updates: an ``IPython.display.DisplayHandle`` or a fake."""

    def update(self, obj: Any) -> None: ...


def _esc(value: Any, limit: int | None = None) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text)


def _tool_html(call: ToolCallState) -> str:
    head = f"<code>{_esc(call.name)}({_esc(call.arguments, 60)})</code>"
    if call.status == "called":
        return f'<div style="color:#b8860b">⏳ {head} running…</div>'
    if call.status == "failed":
        return f'<div style="color:#b22222">✗ {head} → {_esc(call.output, 200)}</div>'
    return f'<div style="color:#2e7d32">✓ {head} → {_esc(call.output, 200)}</div>'


def _agent_boxes(view: RunsView, source: SourceKey, snap: RunSnapshot, color: str) -> list[str]:
    label = view.labels.get(source)
    texts = snap.text_by_agent
    calls = snap.tool_calls
    handoffs = snap.handoffs
    current = snap.current_agent.name if snap.current_agent is not None else None
    boxes = []
    for agent in dict.fromkeys([*texts, *(c.agent for c in calls)]):
        parts = [
            f'<div style="color:#777">↩ took over from {_esc(a)}</div>'
            for a, b in handoffs
            if b == agent
        ]
        for part in agent_parts(snap, agent):  # text and tool calls, in the order they came
            parts.append(
                f'<div style="white-space:pre-wrap">{_esc(part)}</div>'
                if isinstance(part, str)
                else _tool_html(part)
            )
        parts.extend(
            f"<div><b>↪ handed off to {_esc(b)}</b></div>" for a, b in handoffs if a == agent
        )
        if agent != current:
            status = "handed off"
        elif snap.is_complete:
            status = f"done · {view.tokens_out(source)} tokens out"
        else:
            status = f"turn {snap.turn_count} · {view.tokens_out(source)} tokens out"
        title = _esc(lane_label(None if source is None else str(source), agent))
        if label:
            title += f' <span style="color:#777">· {_esc(label)}</span>'
        boxes.append(
            f'<div style="border:1px solid {color};border-left:4px solid {color};'
            'border-radius:4px;padding:4px 8px;margin:4px 0">'
            f'<div style="display:flex;justify-content:space-between"><b>{title}</b>'
            f'<span style="color:#777">{_esc(status)}</span></div>'
            f"{''.join(parts) or '…'}</div>"
        )
    return boxes


def _state_rows(view: RunsView) -> str:
    rows = []
    for source in view.sources:
        snap = view.snapshots.get(source)
        failure = view.failures.get(source)
        name = _esc("run" if source is None else str(source))
        if snap is None:
            rows.append(f"<tr><td>{name}</td><td colspan=4>failed: {_esc(failure)}</td></tr>")
            continue
        calls = snap.tool_calls
        status = (
            f"failed: {_esc(failure)}"
            if failure
            else ("complete" if snap.is_complete else "running")
        )
        agent = _esc(snap.current_agent.name) if snap.current_agent is not None else ""
        done = sum(c.status != "called" for c in calls)
        rows.append(
            f"<tr><td>{name}</td><td>{agent}</td><td>{snap.turn_count}</td>"
            f"<td>{snap.usage.input_tokens}/{view.tokens_out(source)}</td>"
            f"<td>{done}/{len(calls)}</td><td>{status}</td></tr>"
        )
    return "".join(rows)


def render_html(view: RunsView) -> str:
    """The view as HTML: one box per agent, then a state table with one row per run."""
    boxes: list[str] = []
    for index, source in enumerate(view.sources):
        snap = view.snapshots.get(source)
        if snap is None:
            failure = _esc(view.failures.get(source))
            boxes.append(f'<div style="color:#b22222">{_esc(source)}: {failure}</div>')
            continue
        boxes.extend(_agent_boxes(view, source, snap, _COLORS[index % len(_COLORS)]))
    table = (
        '<table style="font-size:90%"><tr><th>run</th><th>agent</th><th>turns</th>'
        "<th>tokens in/out</th><th>tools done</th><th>status</th></tr>"
        f"{_state_rows(view)}</table>"
    )
    return f'<div class="rxagents-run">{"".join(boxes) or "starting…"}{table}</div>'


class _LiveHTML:
    """HTML for notebooks, a short text for terminals' IPython."""

    def __init__(self, view: RunsView) -> None:
        self.view = view

    def _repr_html_(self) -> str:
        return render_html(self.view)

    def __repr__(self) -> str:
        done = sum(1 for s in self.view.snapshots.values() if s.is_complete)
        return f"<rxagents runs: {done}/{len(self.view.sources)} complete>"


def _ipython_handle(view: RunsView) -> DisplayHandle:
    try:
        from IPython import display as ipython_display
        from IPython.core.interactiveshell import InteractiveShell
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the install
        raise UserError("display_run() needs IPython: pip install -e '.[notebook]'") from exc
    if not InteractiveShell.initialized():
        raise UserError(
            "display_run() shows runs in Jupyter/IPython; in a terminal use "
            "`await rxagents.sinks.show(stream)`"
        )
    show: Any = ipython_display.display
    handle: DisplayHandle = show(_LiveHTML(view), display_id=True)
    return handle


class RunDisplay:
    """A run (or runs) displaying live in a notebook. Await it for what it saw.

    Awaiting it (in the same cell or a later one) also draws the final state once
    more, from the awaiting cell: the display's updates are messages of the cell
    that called :func:`display_run`, and a notebook executed top to bottom
    (nbclient, nbconvert, nbmake) stops reading those once that cell ends, so
    without this the saved notebook would keep its first frame.

    Attributes:
        task: the asyncio task running the runs on the kernel's loop.
    """

    def __init__(
        self, task: asyncio.Task[Watched], redraw: Callable[[], None] | None = None
    ) -> None:
        self.task = task
        self._redraw = redraw

    def cancel(self) -> None:
        """Stop the runs (disposing their subscription cancels them)."""
        self.task.cancel()

    @property
    def done(self) -> bool:
        """The runs have ended."""
        return self.task.done()

    def __await__(self) -> Generator[Any, None, Watched]:
        return self._finished().__await__()

    async def _finished(self) -> Watched:
        try:
            return await self.task
        finally:
            if self._redraw is not None and self.task.done():
                self._redraw()


def display_run(
    runs: Observable[Any] | Mapping[Any, Observable[Any]],
    *,
    labels: Mapping[Any, str] | None = None,
    fps: float = 4.0,
    handle: DisplayHandle | None = None,
) -> RunDisplay:
    """Show ``runs`` in the notebook, updating live; returns at once.

    Must be called with the event loop running (any Jupyter cell is: the
    kernel runs one). The display is updated at most ``fps`` times a second.

    Args:
        runs: one run, or a mapping name -> run (merged with ``rxo.merge_runs``).
        labels: a model description per run name.
        fps: the most display updates per second.
        handle: where to draw (default: a new IPython display handle).

    Raises:
        UserError: no event loop is running, or this is not IPython.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise UserError(
            "display_run() needs a running event loop, as in a Jupyter cell; "
            "from a script use `asyncio.run(rxagents.sinks.show(stream))`"
        ) from None
    first = RunsView(labels=dict(labels or {}))
    target = handle if handle is not None else _ipython_handle(first)

    shown = [first]

    def draw(view: RunsView) -> None:
        shown[0] = view
        target.update(_LiveHTML(view))

    async def run() -> Watched:
        try:
            watched = await watch(runs, draw, labels=labels, fps=fps)
        except Exception as exc:
            draw(with_failure(shown[0], exc))
            raise
        draw(watched.view)
        return watched

    task = loop.create_task(run())
    task.add_done_callback(_retrieve)
    return RunDisplay(task, lambda: target.update(_LiveHTML(shown[0])))


def _retrieve(task: asyncio.Task[Watched]) -> None:
    """Mark a failure seen: the display shows it; awaiting still raises it."""
    if not task.cancelled():
        task.exception()
