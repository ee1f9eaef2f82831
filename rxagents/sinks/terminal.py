"""A live terminal view of runs, drawn with rich; plain lines when not on a terminal.

``await show(stream)`` (or ``await show({"a": run_a, "b": run_b})``) draws one
panel per agent: its streaming text, its tool calls (a spinner while running,
then the result), its handoffs and usage, above a state table with one row per
run. Redraws are throttled to ``fps`` per second (``rxo.throttle_latest``), so
a fast stream costs the terminal at most ~10 redraws a second.

When the console is not a terminal (a pipe, a file, CI logs) nothing is
redrawn: :class:`PlainPrinter` writes append-only lines without escape codes.
Needs ``rich`` (``pip install -e '.[cli]'``).
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Mapping
from typing import IO, Any

from reactivex import Observable
from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from rxagents.sinks._panel import agent_parts
from rxagents.sinks.live import RunsView, SourceKey, SubRun, Watched, watch, with_failure
from rxagents.sinks.recording import LaneTrace, TimedEvent, lane_label
from rxagents.snapshot import RunSnapshot, ToolCallState

__all__ = ["PlainPrinter", "render_view", "show", "summary_table"]

_COLORS = ("cyan", "magenta", "green", "yellow", "blue", "red")


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tool_line(call: ToolCallState) -> RenderableType:
    head = f"{call.name}({_short(call.arguments, 40)})"
    if call.status == "called":
        return Spinner("dots", Text(f"{head} running…", style="yellow"))
    if call.status == "failed":
        return Text(f"✗ {head} → {_short(call.output)}", style="red")
    return Text(f"✓ {head} → {_short(call.output)}", style="green")


def _tail(text: str, max_lines: int, width: int | None = None) -> Text:
    """The last ``max_lines`` rows of ``text`` (wrapped at ``width`` first, if given)."""
    rows: list[str] = []
    for line in text.splitlines() or [""]:
        rows.extend(textwrap.wrap(line, width) or [""] if width else [line])
    shown = rows[-max_lines:]
    prefix = "…\n" if len(rows) > max_lines else ""
    return Text(prefix + "\n".join(shown))


def _agent_panels(
    view: RunsView,
    source: SourceKey,
    snap: RunSnapshot,
    color: str,
    max_lines: int,
    width: int | None,
) -> list[RenderableType]:
    label = view.labels.get(source)
    texts = snap.text_by_agent
    calls = snap.tool_calls
    handoffs = snap.handoffs
    agents = list(dict.fromkeys([*texts, *(c.agent for c in calls)]))
    current = snap.current_agent.name if snap.current_agent is not None else None
    panels: list[RenderableType] = []
    for agent in agents:
        body: list[RenderableType] = []
        came_from = [a for a, b in handoffs if b == agent]
        if came_from:
            body.append(Text(f"↩ took over from {came_from[-1]}", style="dim"))
        for part in agent_parts(snap, agent):  # text and tool calls, in the order they came
            if isinstance(part, str):
                body.append(_tail(part, max_lines, width))
            else:
                body.append(_tool_line(part))
        went_to = [b for a, b in handoffs if a == agent]
        if went_to:
            body.append(Text(f"↪ handed off to {went_to[-1]}", style="bold"))
        if agent != current:
            status = "handed off"
        elif snap.is_complete:
            status = f"done · {view.tokens_out(source)} tokens out"
        else:
            status = f"turn {snap.turn_count} · {view.tokens_out(source)} tokens out"
        title = lane_label(None if source is None else str(source), agent)
        if label:
            title += f" · {label}"
        panels.append(
            Panel(
                Group(*body) if body else Text("…", style="dim"),
                title=f"[bold]{title}[/]",
                title_align="left",
                subtitle=status,
                subtitle_align="right",
                border_style=color,
            )
        )
    return panels


def _state_table(view: RunsView) -> Table:
    table = Table(title="state (rxo.accumulate)", box=box.SIMPLE_HEAD, title_style="dim")
    for column in ("run", "agent", "turns", "tokens in/out", "tools done", "status"):
        table.add_column(column, justify="right" if column in ("turns", "tools done") else "left")
    for source in view.sources:
        snap = view.snapshots.get(source)
        failure = view.failures.get(source)
        name = "run" if source is None else str(source)
        if snap is None:
            table.add_row(name, "", "", "", "", Text(f"failed: {failure}", style="red"))
            continue
        calls = snap.tool_calls
        finished = sum(c.status != "called" for c in calls)
        if failure:
            status = Text(f"failed: {failure}", style="red")
        elif snap.is_complete:
            status = Text("complete", style="green")
        else:
            status = Text("running", style="yellow")
        table.add_row(
            name,
            snap.current_agent.name if snap.current_agent is not None else "",
            str(snap.turn_count),
            f"{snap.usage.input_tokens}/{view.tokens_out(source)}",
            f"{finished}/{len(calls)}",
            status,
        )
    return table


def render_view(view: RunsView, *, max_lines: int = 8, width: int | None = None) -> RenderableType:
    """One panel per agent (text, tool calls, handoffs, usage), then the state table.

    Args:
        view: what to draw.
        max_lines: text rows per agent panel (the latest ones).
        width: the terminal's width, to count wrapped rows (``None``: count lines).
    """
    inner = width - 4 if width else None
    panels: list[RenderableType] = []
    for index, source in enumerate(view.sources):
        color = _COLORS[index % len(_COLORS)]
        snap = view.snapshots.get(source)
        if snap is None:
            title = "run" if source is None else str(source)
            panels.append(
                Panel(
                    Text(view.failures.get(source, ""), style="red"),
                    title=title,
                    border_style="red",
                )
            )
            continue
        panels.extend(_agent_panels(view, source, snap, color, max_lines, inner))
    return Group(*panels, _state_table(view))


def _fitting_rows(view: RunsView, height: int) -> int:
    """Text rows per panel so that every panel and the state table fit ``height``."""
    panels = 0
    extra = 0  # tool, handoff and status lines
    for snap in view.snapshots.values():
        agents = set(snap.text_by_agent) | {c.agent for c in snap.tool_calls}
        panels += len(agents)
        extra += len(snap.tool_calls) + 2 * len(snap.handoffs)
    panels += len(view.failures)
    table = len(view.sources) + 6
    spare = height - table - extra - 3 * max(panels, 1)
    return max(2, spare // max(panels, 1))


def _animating(view: RunsView) -> bool:
    return any(
        call.status == "called"
        for snap in view.snapshots.values()
        if not snap.is_complete
        for call in snap.tool_calls
    )


class PlainPrinter:
    """Append-only lines for pipes and logs: no cursor moves, no colours.

    A lone run's text is written as it streams; several runs each get a prefix
    per line and their messages are written whole, so their text never interleaves.

    Args:
        file: where to write (default ``sys.stdout``).
        single: whether there is one run (stream text inline) or several.
        labels: model descriptions per source, shown when a run starts.
    """

    def __init__(
        self,
        file: IO[str] | None = None,
        *,
        single: bool = True,
        labels: Mapping[Any, str] | None = None,
    ) -> None:
        self.file = file or sys.stdout
        self.single = single
        self.labels = dict(labels or {})
        self._agents: dict[Any, str] = {}
        self._mid_line = False

    def __call__(self, timed: TimedEvent) -> None:
        self.on_event(timed)

    def _line(self, source: Any, text: str, *, prefixed: bool = False) -> None:
        if self._mid_line:
            self.file.write("\n")
            self._mid_line = False
        who = self._agents.get(source, "agent")
        prefix = "" if self.single and not prefixed else f"[{lane_label(source, who)}] "
        for line in text.splitlines() or [""]:
            self.file.write(f"{prefix}{line}\n")
        self.file.flush()

    def on_event(self, timed: TimedEvent) -> None:
        """Write what ``timed`` adds, if anything."""
        source = None if timed.source is None else str(timed.source)
        event: Any = timed.event
        kind = event.type
        if kind == "run_failed_event":
            self._line(source, f"failed: {event.message}")
        elif kind == "agent_updated_stream_event":
            self._agents[source] = event.new_agent.name
            label = self.labels.get(timed.source)
            self._line(source, f"── {event.new_agent.name}" + (f" ({label})" if label else ""))
        elif kind == "raw_response_event":
            if self.single and event.data.type == "response.output_text.delta":
                self.file.write(event.data.delta)
                self.file.flush()
                self._mid_line = True
        elif kind == "run_item_stream_event":
            self._item(source, event)
        elif kind == "run_completed_stream_event":
            usage = event.result.usage
            self._line(source, f"── done ({usage.output_tokens} tokens out)")
        elif kind == "nested_run_event":
            self._nested(source, event)
        elif kind == "turn_restarted":  # lines already written stay: say they are void
            self._line(
                source,
                f"── turn {event.turn} restarts (attempt {event.attempt}): "
                "disregard its text above",
            )

    def _nested(self, source: str | None, event: Any) -> None:
        """A sub-run's event (an agent used as a tool): prefixed lines, whole messages."""
        inner = event.innermost
        where = str(SubRun(source, tuple(event.tools), inner.run_id))
        kind = inner.type
        if kind == "agent_updated_stream_event":
            self._agents[where] = inner.new_agent.name
        elif kind == "run_item_stream_event":
            if inner.name == "message_output_created":
                self._line(where, inner.item.text, prefixed=True)
            else:
                self._item(where, inner, prefixed=True)

    def _item(self, source: Any, event: Any, *, prefixed: bool = False) -> None:
        item = event.item
        if event.name == "message_output_created" and not self.single:
            self._line(source, item.text)
        elif event.name == "tool_called":
            call = f"→ {item.raw_item.name}({_short(item.raw_item.arguments, 80)})"
            self._line(source, call, prefixed=prefixed)
        elif event.name == "tool_output":
            mark = "✗" if item.is_error else "←"
            self._line(source, f"{mark} {_short(item.output, 100)}", prefixed=prefixed)
        elif event.name == "handoff_occured":
            handoff = f"↪ handoff {item.source_agent.name} → {item.target_agent.name}"
            self._line(source, handoff, prefixed=prefixed)


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def summary_table(lanes: Mapping[Any, LaneTrace], labels: Mapping[Any, str] | None = None) -> Table:
    """Per agent: model, output tokens, time to first token (TTFT), tokens/s, tools, turns.

    Rows are grouped by run; ``64*`` marks an answer cut at its ``max_tokens``.
    """
    labels = labels or {}
    table = Table(title="summary", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    table.add_column("agent", no_wrap=True)
    table.add_column("model", no_wrap=True, max_width=24, overflow="ellipsis")
    for column in ("tokens", "TTFT", "tok/s", "tools", "turns"):
        table.add_column(column, justify="right", no_wrap=True)
    sources = list(dict.fromkeys(lane.source for lane in lanes.values()))
    for lane in sorted(lanes.values(), key=lambda lane: sources.index(lane.source)):
        rate = lane.tokens_per_second
        table.add_row(
            lane_label(lane.source, lane.agent),
            labels.get(lane.source, ""),
            f"{lane.output_tokens}{'*' if lane.truncated else ''}",
            _seconds(lane.time_to_first_token),
            "—" if rate is None else f"{rate:.0f}",
            str(len(lane.tools)),
            str(len(lane.turns)),
        )
    if any(lane.truncated for lane in lanes.values()):
        table.caption = "* stopped at max_tokens"
    return table


async def show(
    runs: Observable[Any] | Mapping[Any, Observable[Any]],
    *,
    console: Console | None = None,
    labels: Mapping[Any, str] | None = None,
    fps: float = 10.0,
    max_lines: int | None = None,
    plain: bool | None = None,
) -> Watched:
    """Run and show ``runs`` live until they end.

    Args:
        runs: one run (``Runner.run_streamed(...)``) or a mapping name -> run
            (merged with ``rxo.merge_runs``; a failing run is shown as failed).
        console: the rich console (default: a new one on stdout).
        labels: a model description per run name (``None`` for a lone run).
        fps: the most redraws per second.
        max_lines: text rows shown per agent panel (the latest ones); default:
            as many as let every panel fit the terminal's height.
        plain: force plain lines (``True``) or the live view (``False``);
            default: live only on a terminal.

    Returns:
        Every event with its arrival time, and the final view (for a summary or
        a :func:`~rxagents.sinks.timeline`).

    Raises:
        Exception: a lone run's error, after the view shows it.
    """
    console = console or Console()
    if plain is None:
        plain = not console.is_terminal or console.is_dumb_terminal
    if plain:
        printer = PlainPrinter(console.file, single=isinstance(runs, Observable), labels=labels)
        return await watch(runs, on_event=printer, labels=labels, fps=fps)
    live = Live(console=console, auto_refresh=False, transient=False)
    shown = [RunsView(labels=dict(labels or {}))]

    def draw(view: RunsView) -> None:
        shown[0] = view
        rows = max_lines or _fitting_rows(view, console.height)
        live.update(render_view(view, max_lines=rows, width=console.width), refresh=True)

    with live:
        try:
            watched = await watch(runs, draw, labels=labels, fps=fps, animate=_animating)
        except Exception as exc:
            draw(with_failure(shown[0], exc))
            raise
        # The last frame stays on screen: show every panel's whole text, scrolling if need be.
        live.vertical_overflow = "visible"
        final = render_view(watched.view, max_lines=max_lines or 10_000, width=console.width)
        live.update(final, refresh=True)
    return watched
