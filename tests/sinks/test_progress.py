"""The tqdm progress sink: turns and tool calls as steps of one bar."""

from __future__ import annotations

import asyncio
import io

import pytest

from rxagents import Agent, Runner
from rxagents.errors import ModelConnectionError
from rxagents.rx import aiter
from rxagents.sinks.progress_bar import ProgressBar, progress
from rxagents.testing import ScriptedModel, raise_error, text
from tests.core.helpers import run_all
from tests.sinks.view_scenarios import poet, travel_desk


def _last_frame(output: str) -> str:
    return output.replace("\n", "\r").strip("\r").split("\r")[-1]


async def test_progress_passes_events_through_and_fills_the_bar() -> None:
    out = io.StringIO()
    plain = await run_all(Runner.run_streamed(travel_desk(), "trip"))
    async with aiter(
        Runner.run_streamed(travel_desk(), "trip").pipe(progress("trip", file=out, mininterval=0))
    ) as events:
        seen = [e async for e in events]
    assert [(e.type, e.sequence_number) for e in seen] == [
        (e.type, e.sequence_number) for e in plain
    ]
    frame = _last_frame(out.getvalue())
    # 3 turns (triage twice, booking once) + 2 tool calls = 5 steps, all finished
    assert "5/5" in frame
    assert frame.startswith("booking: done")
    assert "turns=3 tools=2 tokens=11" in frame


async def test_the_bar_describes_what_happens_now() -> None:
    out = io.StringIO()
    bar = ProgressBar("trip", file=out, mininterval=0)
    descriptions: list[str] = []
    for event in await run_all(Runner.run_streamed(travel_desk(), "trip")):
        bar.on_next(event)
        descriptions.append(bar.bar.desc)
    bar.on_completed()
    order = list(dict.fromkeys(descriptions))
    assert order == [
        "triage: starting",
        "triage: thinking",
        "triage: calling get_weather",
        "triage: calling get_time",
        "triage: tool done",
        "triage: handing off to booking",
        "booking: starting",
        "booking: thinking",
        "booking: writing",
        "booking: done",
    ]
    assert (bar.turns, bar.tool_calls, bar.finished) == (3, 2, 5)


async def test_a_failed_run_closes_the_bar_with_the_error() -> None:
    out = io.StringIO()
    agent = Agent(
        "flaky", model=ScriptedModel([[text("partial"), raise_error(ModelConnectionError("x"))]])
    )
    with pytest.raises(ModelConnectionError):
        await run_all(
            aiter(Runner.run_streamed(agent, "hi").pipe(progress(file=out, mininterval=0)))
        )
    assert _last_frame(out.getvalue()).startswith("failed: ModelConnectionError")


async def test_disposing_closes_the_bar_and_each_subscription_gets_its_own() -> None:
    from tqdm import tqdm

    bars: list[tqdm] = []  # type: ignore[type-arg]

    class Recording(tqdm):  # type: ignore[type-arg, misc]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            bars.append(self)

    operator = progress(tqdm_class=Recording, file=io.StringIO(), mininterval=0)
    stream = Runner.run_streamed(poet(delay=0.01), "poem")
    first = stream.pipe(operator).subscribe()
    second = stream.pipe(operator).subscribe()
    assert len(bars) == 2 and not any(b.disable for b in bars)
    await asyncio.sleep(0)
    first.dispose()
    second.dispose()
    assert all(b.disable for b in bars)  # tqdm marks a closed bar disabled


async def test_merged_runs_share_one_bar_and_a_failure_is_named() -> None:
    from rxagents import operators as rxo

    out = io.StringIO()
    broken = Agent("broken", model=ScriptedModel([[raise_error(ModelConnectionError("cut"))]]))
    runs = {
        "desk": Runner.run_streamed(travel_desk(), "trip"),
        "broken": Runner.run_streamed(broken, "x"),
    }
    bar = ProgressBar("runs", file=out, mininterval=0)
    descriptions: list[str] = []
    async with aiter(rxo.merge_runs(runs, on_error="continue")) as tagged:
        async for value in tagged:
            bar.on_next(value)
            descriptions.append(bar.bar.desc)
    bar.on_completed()
    assert "broken: failed (ModelConnectionError: cut)" in descriptions
    assert "desk/booking: done" in descriptions
    assert (bar.turns, bar.tool_calls) == (4, 2)  # desk 3 + broken's 1 started turn
