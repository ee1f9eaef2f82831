"""``timeline(events)``: the marble diagram of a real run, drawn with matplotlib.

One horizontal lane per agent (per merged source and agent), time running
left to right: model turns shaded, every text delta a tick, every tool call a
bar from ``tool_called`` to ``tool_output``, every handoff an arrow from one
lane to the next, and the run's completion a bar like a marble's ``|`` (a red
``X`` where a merged run failed).

Needs ``matplotlib`` (``pip install -e '.[notebook]'``). It builds a
:class:`matplotlib.figure.Figure` without pyplot, so it works headless and
leaves no global state behind; in Jupyter the figure shows itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rxagents.errors import UserError
from rxagents.sinks.recording import LaneTrace, TimedEvent, lane_label, trace

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["timeline"]

_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b")


def timeline(
    events: Iterable[Any],
    *,
    title: str | None = None,
    width: float = 10.0,
) -> Figure:
    """Draw a run as one lane per agent.

    Args:
        events: the run's events, ideally with arrival times
            (:func:`~rxagents.sinks.record` / :func:`~rxagents.sinks.collect_timed`);
            plain or ``merge_runs``-tagged events are drawn by position instead.
        title: a title for the figure.
        width: figure width in inches.

    Returns:
        The figure: ``fig.savefig("run.png")``, or let Jupyter display it.

    Raises:
        UserError: ``events`` holds no agent activity, or matplotlib is missing.

    Example:
        >>> timed = await collect_timed(Runner.run_streamed(agent, "hi"))  # doctest: +SKIP
        >>> timeline(timed).savefig("run.png")                             # doctest: +SKIP
    """
    try:
        from matplotlib.figure import Figure
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the install
        raise UserError("timeline() needs matplotlib: pip install -e '.[notebook]'") from exc
    items = list(events)
    timed = bool(items) and all(isinstance(e, TimedEvent) for e in items)
    lanes = list(trace(items).values())
    if not lanes:
        raise UserError("timeline() was given no events of a run; record a run first")
    origin = min(lane.start for lane in lanes)
    finish = max(_last_time(lane) for lane in lanes)
    span = max(finish - origin, 1e-3)

    figure = Figure(figsize=(width, 0.9 * len(lanes) + 1.2), layout="constrained")
    ax = figure.add_subplot()
    rows = {lane.key: len(lanes) - 1 - i for i, lane in enumerate(lanes)}
    for i, lane in enumerate(lanes):
        _draw_lane(ax, lane, rows[lane.key], _COLORS[i % len(_COLORS)], origin, finish, span)
    for lane in lanes:
        for when, target in lane.handoffs_to:
            if target in rows:
                ax.annotate(
                    "",
                    xy=(when - origin, rows[target] + 0.3),
                    xytext=(when - origin, rows[lane.key] - 0.3),
                    arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.4},
                )
    ax.set_yticks(list(rows.values()), [lane_label(*key) for key in rows])
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_xlim(-0.02 * span, span * 1.04)
    ax.set_xlabel("seconds since the first event" if timed else "event number")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title)
    return figure


def _last_time(lane: LaneTrace) -> float:
    times = [lane.start, *lane.text_deltas]
    times += [t.end for t in lane.turns if t.end is not None]
    times += [t.end for t in lane.tools if t.end is not None]
    times += [when for when, _ in lane.handoffs_to]
    if lane.end is not None:
        times.append(lane.end)
    return max(times)


def _tool_levels(lane: LaneTrace, finish: float) -> dict[int, int]:
    """A level (1, 2, ...) per tool call, so calls running at once sit one above another."""
    ends: list[float] = []  # per level: when its last call ended
    levels: dict[int, int] = {}
    for tool in lane.tools:
        end = tool.end if tool.end is not None else finish
        free = next((i for i, last in enumerate(ends) if last <= tool.start), None)
        if free is None:
            ends.append(end)
            free = len(ends) - 1
        else:
            ends[free] = end
        levels[id(tool)] = free + 1
    return levels


def _draw_lane(
    ax: Axes,
    lane: LaneTrace,
    row: int,
    color: str,
    origin: float,
    finish: float,
    span: float,
) -> None:
    """Turns, text ticks, tool spans and the completion mark of one lane."""
    turns = [
        (t.start - origin, (t.end if t.end is not None else finish) - t.start) for t in lane.turns
    ]
    if turns:
        ax.broken_barh(turns, (row - 0.42, 0.84), facecolors=color, alpha=0.12)
    if lane.text_deltas:
        ax.vlines(
            [t - origin for t in lane.text_deltas], row - 0.3, row + 0.3, colors=color, lw=0.8
        )
    ax.plot([lane.start - origin], [row], marker="o", color=color, markersize=6)
    levels = _tool_levels(lane, finish)
    height = 0.6 / max(levels.values(), default=1)
    for tool in lane.tools:
        end = tool.end if tool.end is not None else finish
        width = max(end - tool.start, span * 0.004)
        bottom = row - 0.3 + (levels[id(tool)] - 1) * height
        ax.broken_barh(
            [(tool.start - origin, width)],
            (bottom + 0.1 * height, 0.8 * height),
            facecolors="#b22222" if tool.is_error else color,
            edgecolors="black",
            hatch=None if tool.end is not None else "//",
        )
        ax.text(
            tool.start - origin + width,
            bottom + 0.5 * height,
            f" {tool.name}",
            fontsize=8,
            va="center",
            ha="left",
            color="black",
        )
    if lane.error is not None and lane.end is not None:  # the marble's X: failed
        ax.plot([lane.end - origin], [row], marker="X", color="#b22222", markersize=12)
    elif lane.end is not None:
        ax.vlines([lane.end - origin], row - 0.42, row + 0.42, colors="black", lw=2.5)
