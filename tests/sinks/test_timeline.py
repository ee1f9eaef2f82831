"""Arrival-time recording, per-agent traces, and the matplotlib timeline."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from reactivex.testing import ReactiveTest, TestScheduler

from rxagents import Runner
from rxagents.errors import UserError
from rxagents.sinks.recording import TimedEvent, collect_timed, record, trace
from rxagents.sinks.timeline_plot import timeline
from tests.core.helpers import run_all
from tests.sinks.view_scenarios import poet, travel_desk

matplotlib.use("Agg")


async def test_record_times_events_with_the_scheduler_clock() -> None:
    events = await run_all(Runner.run_streamed(poet(), "a poem"))
    scheduler = TestScheduler()
    hot = scheduler.create_hot_observable(
        *(ReactiveTest.on_next(210 + 10 * i, e) for i, e in enumerate(events[:3])),
        ReactiveTest.on_completed(300),
    )
    observer = scheduler.start(lambda: hot.pipe(record()))
    timed = [m.value.value for m in observer.messages if m.value.kind == "N"]
    assert [t.time for t in timed] == [210.0, 220.0, 230.0]
    assert [t.event for t in timed] == events[:3]
    assert all(t.source is None for t in timed)
    assert observer.messages[-1].time == 300


async def test_trace_of_a_handoff_run_has_one_lane_per_agent() -> None:
    timed = await collect_timed(Runner.run_streamed(travel_desk(), "trip"))
    lanes = trace(timed)
    assert list(lanes) == [(None, "triage"), (None, "booking")]
    triage, booking = lanes.values()
    assert [t.name for t in triage.tools] == ["get_weather", "get_time"]
    assert all(t.end is not None and t.end >= t.start for t in triage.tools)
    assert [t.output for t in triage.tools] == ["sunny in Paris", "12:00 in Paris"]
    assert len(triage.turns) == 2 and triage.text_deltas == []
    assert [target for _, target in triage.handoffs_to] == [(None, "booking")]
    assert triage.end is None
    assert booking.text == "Booked: a sunny trip to Paris at noon."
    assert len(booking.text_deltas) == 8 and len(booking.turns) == 1
    assert booking.end is not None and booking.end >= booking.text_deltas[-1]
    assert booking.output_tokens == 8
    ttft = booking.time_to_first_token
    assert ttft is not None and ttft >= 0
    # every time is an arrival time, so the whole trace is ordered like the stream
    assert [t.time for t in timed] == sorted(t.time for t in timed)


async def test_trace_without_times_uses_positions() -> None:
    events = await run_all(Runner.run_streamed(poet(), "a poem"))
    (lane,) = trace(events).values()
    assert lane.start == 0.0
    assert lane.end == float(len(events) - 1)
    assert lane.text == "Rivers run to the sea, never full."


async def _two_sources() -> list[TimedEvent]:
    desk, verse = await asyncio.gather(
        collect_timed(Runner.run_streamed(travel_desk(delay=0.002), "trip")),
        collect_timed(Runner.run_streamed(poet(delay=0.002), "poem")),
    )
    tagged = [TimedEvent(t.time, t.event, "desk") for t in desk]
    tagged += [TimedEvent(t.time, t.event, "poet") for t in verse]
    return sorted(tagged, key=lambda t: t.time)


def _colour(path: Path) -> tuple[float, float]:
    """Fractions of pixels that are tinted and strongly coloured.

    Axes, ticks and labels are black and grey (an empty plot scores 0, 0);
    only the lanes' turns, ticks and tool bars bring colour.
    """
    import matplotlib.image

    pixels: Any = matplotlib.image.imread(path)[..., :3]
    saturation = pixels.max(axis=-1) - pixels.min(axis=-1)
    return float((saturation > 0.05).mean()), float((saturation > 0.25).mean())


async def test_timeline_renders_a_multi_agent_run_to_png(tmp_path: Path) -> None:
    timed = await _two_sources()
    assert set(trace(timed)) == {("desk", "triage"), ("desk", "booking"), ("poet", "poet")}
    figure = timeline(timed, title="two runs")
    ax = figure.axes[0]
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert sorted(labels) == ["desk: booking", "desk: triage", "poet"]
    assert ax.get_xlabel() == "seconds since the first event"
    assert {t.get_text().strip() for t in ax.texts} >= {"get_weather", "get_time"}
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 1  # the one handoff, triage -> booking
    out = tmp_path / "run.png"
    figure.savefig(out, dpi=80)
    assert out.stat().st_size > 5_000
    tinted, strong = _colour(out)
    assert tinted > 0.05, "the timeline shows no shaded turns"
    assert strong > 0.002, "the timeline shows no ticks or tool bars"


async def test_timeline_of_plain_events_counts_positions(tmp_path: Path) -> None:
    events = await run_all(Runner.run_streamed(travel_desk(), "trip"))
    figure = timeline(events)
    assert figure.axes[0].get_xlabel() == "event number"
    out = tmp_path / "plain.png"
    figure.savefig(out, dpi=60)
    assert _colour(out)[0] > 0.05


def test_timeline_of_nothing_is_a_clear_error() -> None:
    with pytest.raises(UserError, match="no events"):
        timeline([])


def test_tool_calls_running_at_once_get_their_own_levels() -> None:
    from rxagents.sinks.recording import LaneTrace, ToolSpan
    from rxagents.sinks.timeline_plot import _tool_levels

    lane = LaneTrace(None, "a", 0.0)
    lane.tools = [
        ToolSpan("slow", "1", 1.0, 5.0),
        ToolSpan("fast", "2", 1.5, 2.0),
        ToolSpan("later", "3", 2.5, 3.0),  # the second level is free again
        ToolSpan("running", "4", 4.0, None),  # still running: until the end
        ToolSpan("last", "5", 6.0, 7.0),
    ]
    levels = _tool_levels(lane, finish=8.0)
    assert [levels[id(t)] for t in lane.tools] == [1, 2, 2, 2, 1]


async def test_a_failed_merged_run_is_marked_on_its_lane(tmp_path: Path) -> None:
    from rxagents import Agent
    from rxagents import operators as rxo
    from rxagents.errors import ModelConnectionError
    from rxagents.testing import ScriptedModel, raise_error, text

    broken = Agent(
        "broken", model=ScriptedModel([[text("so far"), raise_error(ModelConnectionError("cut"))]])
    )
    runs = {"broken": Runner.run_streamed(broken, "x"), "poet": Runner.run_streamed(poet(), "y")}
    timed = await collect_timed(rxo.merge_runs(runs, on_error="continue"))
    lanes = trace(timed)
    assert lanes[("broken", "broken")].error == "ModelConnectionError: cut"
    assert lanes[("broken", "broken")].text == "so far"
    assert lanes[("poet", "poet")].error is None and lanes[("poet", "poet")].end is not None
    figure = timeline(timed)
    failed_marks = [line for line in figure.axes[0].lines if line.get_marker() == "X"]
    assert len(failed_marks) == 1
    figure.savefig(tmp_path / "failed.png", dpi=50)


async def test_one_run_traced_under_two_sources_closes_each_sources_tool_spans() -> None:
    """The same run merged twice (raw and through an operator) keeps its tool spans apart."""
    events = await run_all(Runner.run_streamed(travel_desk(), "trip"))
    timed = [TimedEvent(float(i), e, "raw") for i, e in enumerate(events)]
    timed += [TimedEvent(float(i) + 0.5, e, "piped") for i, e in enumerate(events)]
    timed.sort(key=lambda t: t.time)
    lanes = trace(timed)
    for source in ("raw", "piped"):
        spans = lanes[(source, "triage")].tools
        assert [s.name for s in spans] == ["get_weather", "get_time"]
        assert all(s.end is not None and s.output for s in spans)
