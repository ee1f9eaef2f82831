"""The terminal view: state folding, rendering, plain lines, throttled redraws."""

from __future__ import annotations

import io
import itertools
from typing import Any

import pytest
import reactivex
from reactivex.testing import ReactiveTest, TestScheduler
from rich.console import Console

from rxagents import Agent, Runner
from rxagents.errors import ModelConnectionError
from rxagents.operators import merge_runs
from rxagents.rx import aiter
from rxagents.sinks.live import RunsView, redraws, view_states
from rxagents.sinks.recording import TimedEvent
from rxagents.sinks.terminal import PlainPrinter, render_view, show, summary_table
from rxagents.testing import ScriptedModel, raise_error, text
from tests.core.helpers import run_all
from tests.sinks.view_scenarios import poet, travel_desk, writer_with_researcher

LABELS = {"desk": "scripted", "poet": "scripted too"}


def _runs() -> dict[str, Any]:
    return {
        "desk": Runner.run_streamed(travel_desk(), "trip"),
        "poet": Runner.run_streamed(poet(), "poem"),
    }


async def _views(source: Any) -> list[RunsView]:
    return await run_all(aiter(source.pipe(view_states(LABELS))))


def _render(renderable: Any, width: int = 110) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
    console.print(renderable)
    out: Any = console.file
    return str(out.getvalue())


async def test_view_states_keep_one_snapshot_per_run() -> None:
    views = await _views(merge_runs(_runs()))
    final = views[-1]
    assert sorted(final.sources) == ["desk", "poet"]
    assert final.is_complete and not final.failures
    assert final.snapshots["desk"].final_output == "Booked: a sunny trip to Paris at noon."
    assert final.snapshots["poet"].final_output == "Rivers run to the sea, never full."
    assert final.labels == LABELS
    # one view per event, and every run's own count only ever grows
    desk_counts = [v.snapshots["desk"].event_count for v in views if "desk" in v.snapshots]
    assert desk_counts == sorted(desk_counts)
    assert not any(v.is_complete for v in views[:-2])


async def test_a_failing_run_shows_as_failed_while_the_other_completes() -> None:
    broken = Agent("broken", model=ScriptedModel([[raise_error(ModelConnectionError("dropped"))]]))
    runs = {"broken": Runner.run_streamed(broken, "x"), "poet": Runner.run_streamed(poet(), "y")}
    final = (await _views(merge_runs(runs, on_error="continue")))[-1]
    assert final.failures == {"broken": "ModelConnectionError: dropped"}
    assert final.snapshots["poet"].is_complete
    assert final.is_complete
    assert "ModelConnectionError: dropped" in _render(render_view(final))


async def test_render_shows_a_panel_per_agent_with_tools_and_handoffs() -> None:
    final = (await _views(merge_runs(_runs())))[-1]
    screen = _render(render_view(final))
    assert "desk: triage · scripted" in screen
    assert "desk: booking · scripted" in screen
    assert "poet · scripted too" in screen
    assert '✓ get_weather({"city": "Paris"}) → sunny in Paris' in screen
    assert '✓ get_time({"city": "Paris"}) → 12:00 in Paris' in screen
    assert "↪ handed off to booking" in screen
    assert "↩ took over from triage" in screen
    assert "Booked: a sunny trip to Paris at noon." in screen
    assert "Rivers run to the sea, never full." in screen
    assert "done · 11 tokens out" in screen  # the desk's usage, on its last agent's panel
    assert screen.count("complete") >= 2  # the state table: one row per run


async def test_a_running_tool_shows_a_spinner_line() -> None:
    views = await _views(Runner.run_streamed(travel_desk(), "trip"))
    running = next(
        v for v in views if any(c.status == "called" for c in v.snapshots[None].tool_calls)
    )
    screen = _render(render_view(running))
    assert "get_weather" in screen and "running…" in screen
    assert "✓" not in screen
    assert "triage" in screen and "desk" not in screen  # a lone run: no source prefix


async def test_agent_text_is_cut_to_its_latest_lines() -> None:
    lines = "\n".join(f"line {i}" for i in range(30))
    agent = Agent("long", model=ScriptedModel([[text(lines, chunk_size=50)]]))
    final = (await _views(Runner.run_streamed(agent, "x")))[-1]
    screen = _render(render_view(final, max_lines=3))
    assert "line 29" in screen and "line 27" in screen
    assert "line 26" not in screen and "…" in screen


async def test_plain_printer_streams_a_lone_run_inline() -> None:
    out = io.StringIO()
    printer = PlainPrinter(out, single=True, labels={None: "scripted"})
    for event in await run_all(Runner.run_streamed(travel_desk(), "trip")):
        printer(TimedEvent(0.0, event))
    assert out.getvalue().splitlines() == [
        "── triage (scripted)",
        '→ get_weather({"city": "Paris"})',
        '→ get_time({"city": "Paris"})',
        "← sunny in Paris",
        "← 12:00 in Paris",
        "↪ handoff triage → booking",
        "── booking (scripted)",
        "Booked: a sunny trip to Paris at noon.",
        "── done (11 tokens out)",
    ]


async def test_plain_printer_prefixes_merged_runs_and_writes_whole_messages() -> None:
    out = io.StringIO()
    printer = PlainPrinter(out, single=False)
    async with aiter(merge_runs(_runs())) as tagged:
        async for value in tagged:
            printer(TimedEvent(0.0, value.event, value.source))
    lines = out.getvalue().splitlines()
    assert "[poet] Rivers run to the sea, never full." in lines
    assert "[desk: booking] Booked: a sunny trip to Paris at noon." in lines
    assert "[desk: triage] ↪ handoff triage → booking" in lines
    assert all(line.startswith("[") for line in lines)


async def test_an_agent_used_as_a_tool_is_a_run_of_its_own_in_the_view() -> None:
    from rxagents.sinks.live import SubRun

    views = await _views(Runner.run_streamed(writer_with_researcher(), "foxes"))
    final = views[-1]
    (sub,) = [key for key in final.sources if isinstance(key, SubRun)]
    assert final.sources == [None, sub] and str(sub) == "research"
    assert final.snapshots[None].text == "Summary: dens."  # the caller's own text only
    assert final.snapshots[sub].text == "Foxes live in dens."
    assert [c.name for c in final.snapshots[sub].tool_calls] == ["lookup"]
    assert final.is_complete
    # while the sub-run streams, the view already shows its partial text
    partial = [v.snapshots[sub].text for v in views if sub in v.snapshots]
    assert "Foxes" in partial and partial[-1] == "Foxes live in dens."
    screen = _render(render_view(final))
    assert "research: researcher" in screen and "Foxes live in dens." in screen


async def test_plain_printer_writes_a_sub_run_as_prefixed_lines() -> None:
    out = io.StringIO()
    printer = PlainPrinter(out, single=True)
    for event in await run_all(Runner.run_streamed(writer_with_researcher(), "foxes")):
        printer(TimedEvent(0.0, event))
    assert out.getvalue().splitlines() == [
        "── writer",
        '→ research({"input": "foxes"})',
        '[research: researcher] → lookup({"q": "fox"})',
        "[research: researcher] ← found: fox",
        "[research: researcher] Foxes live in dens.",
        "← Foxes live in dens.",
        "Summary: dens.",
        "── done (10 tokens out)",  # the sub-run's model calls count in the run's usage
    ]


async def test_show_without_a_terminal_writes_plain_text() -> None:
    console = Console(file=io.StringIO(), width=100)
    assert not console.is_terminal
    watched = await show(_runs(), console=console, labels=LABELS)
    out: Any = console.file
    written = out.getvalue()
    assert "\x1b" not in written
    assert "[poet] Rivers run to the sea, never full." in written
    assert set(watched.results) == {"desk", "poet"}
    assert {lane.agent for lane in watched.lanes.values()} == {"triage", "booking", "poet"}


async def test_show_on_a_terminal_draws_panels_and_returns_timed_events() -> None:
    console = Console(file=io.StringIO(), width=100, force_terminal=True, color_system="standard")
    watched = await show(_runs(), console=console, labels=LABELS)
    out: Any = console.file
    written = out.getvalue()
    assert "\x1b[" in written  # a live display: cursor moves and colours
    assert "Booked: a sunny trip to Paris at noon." in written
    times = [t.time for t in watched.events]
    assert times == sorted(times) and len(times) > 20
    table = _render(summary_table(watched.lanes, LABELS))
    for name in ("desk: triage", "desk: booking", "poet", "TTFT", "tok/s"):
        assert name in table


async def test_show_raises_a_lone_runs_error_after_showing_it() -> None:
    console = Console(file=io.StringIO(), width=100, force_terminal=True)
    agent = Agent(
        "flaky", model=ScriptedModel([[text("half"), raise_error(ModelConnectionError("cut"))]])
    )
    with pytest.raises(ModelConnectionError):
        await show(Runner.run_streamed(agent, "x"), console=console)
    out: Any = console.file
    assert "ModelConnectionError: cut" in out.getvalue()


# -- redraws: marble tests in virtual time ----------------------------------------


def _view(tag: int, running_tool: bool = False) -> Any:
    """A stand-in for a RunsView: redraws() only passes views along (and asks ``animate``)."""
    return {"tag": tag, "running": running_tool}


def test_a_fast_stream_is_redrawn_at_most_ten_times_a_second() -> None:
    scheduler = TestScheduler()
    # subscribed at t=200; 2000 views, one per millisecond, from t=201s to t=203s
    messages = [ReactiveTest.on_next(201 + i / 1000, _view(i)) for i in range(2000)]
    source = scheduler.create_hot_observable(*messages, ReactiveTest.on_completed(203.5))
    observer = scheduler.start(lambda: source.pipe(redraws(10, scheduler=scheduler)))
    drawn = [m for m in observer.messages if m.value.kind == "N"]
    assert len(drawn) <= 2 * 10 + 2
    assert drawn[0].value.value["tag"] == 0  # the first view at once
    assert drawn[-1].value.value["tag"] == 1999  # and always the last one
    gaps = [b.time - a.time for a, b in itertools.pairwise(drawn)]
    assert min(gaps) >= 0.1 - 1e-9
    assert observer.messages[-1].value.kind == "C"


def test_a_running_tool_keeps_the_spinner_turning_but_only_while_it_runs() -> None:
    scheduler = TestScheduler()
    source = scheduler.create_hot_observable(
        ReactiveTest.on_next(201, _view(1, running_tool=True)),
        ReactiveTest.on_next(202, _view(2, running_tool=False)),
        ReactiveTest.on_completed(203),
    )
    observer = scheduler.start(
        lambda: source.pipe(redraws(10, animate=lambda v: bool(v["running"]), scheduler=scheduler)),
    )
    drawn = [(m.time, m.value.value["tag"]) for m in observer.messages if m.value.kind == "N"]
    during = [t for t, tag in drawn if tag == 1]
    after = [t for t, tag in drawn if tag == 2]
    assert 9 <= len(during) <= 11  # ~10 redraws in the second the tool ran
    assert len(after) == 1  # nothing moves once it is done
    assert observer.messages[-1].value.kind == "C" and observer.messages[-1].time <= 203.2


def test_redraws_pass_errors_on() -> None:
    scheduler = TestScheduler()
    error = RuntimeError("boom")
    source = reactivex.throw(error)
    observer = scheduler.start(lambda: source.pipe(redraws(10, scheduler=scheduler)))
    assert [m.value.kind for m in observer.messages] == ["E"]
