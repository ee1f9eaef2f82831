"""A durable run's restarted turn: accumulate() and partial outputs drop the abandoned attempt."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rxagents import Agent, Runner, function_tool
from rxagents.events import StreamEvent, TurnRestartedStreamEvent
from rxagents.snapshot import RunAccumulator
from rxagents.testing import ScriptedModel, text, tool_call
from rxagents.testing.grammar import assert_valid_run


@function_tool
def lookup(q: str) -> str:
    """Look up."""
    return f"notes on {q}"


async def _run_events(turn2: str = "It is sunny and warm today.") -> list[StreamEvent]:
    model = ScriptedModel(
        [
            [text("Let me check. ", chunk_size=3), tool_call("lookup", {"q": "x"}, call_id="c1")],
            [text(turn2, chunk_size=2)],
        ]
    )
    agent = Agent("a", tools=[lookup], model=model)
    return [e async for e in Runner.run_streamed(agent, "weather?")]


def _renumbered(events: list[Any], start: int, run_id: str) -> list[Any]:
    return [
        e.model_copy(update={"sequence_number": start + i, "run_id": run_id})
        for i, e in enumerate(events)
    ]


def _with_restart(events: list[Any], cut: int, abandoned: list[Any]) -> list[Any]:
    """``events`` whose second turn ran ``abandoned`` (the first ``cut`` events of an
    attempt), then was restarted and ran whole."""
    turn2 = max(i for i, e in enumerate(events) if getattr(e, "name", "") == "tool_output") + 1
    head, tail = events[:turn2], events[turn2:]
    run_id = events[0].run_id
    attempt = abandoned[turn2:-1]  # the turn, up to the abandoned run's completion
    partial = _renumbered(attempt[:cut], turn2, run_id)
    restart = TurnRestartedStreamEvent(
        run_id=run_id, sequence_number=turn2 + len(partial), turn=2, attempt=2,
        discard_from=turn2, reason="worker lost",
    )  # fmt: skip
    return [*head, *partial, restart, *_renumbered(tail, turn2 + len(partial) + 1, run_id)]


def _fold(events: list[Any]) -> Any:
    acc = RunAccumulator()
    snapshots = [acc.add(e) for e in events]
    return snapshots


@settings(max_examples=30, deadline=None)
@given(cut=st.integers(min_value=0, max_value=40))
async def test_the_final_snapshot_equals_a_run_without_the_crash(cut: int) -> None:
    clean = await _run_events()
    abandoned = await _run_events("Something else entirely, half written")
    crashed = _with_restart(clean, cut, abandoned)
    assert_valid_run(crashed)
    want, got = _fold(clean)[-1], _fold(crashed)[-1]
    assert got.text == want.text == "Let me check. It is sunny and warm today."
    assert [i.model_dump(mode="json") for i in got.items] == [
        i.model_dump(mode="json") for i in want.items
    ]
    assert got.turn_count == want.turn_count == 2
    assert got.usage == want.usage
    assert got.final_output == want.final_output


async def test_snapshots_before_the_restart_keep_the_abandoned_text() -> None:
    clean = await _run_events()
    abandoned = await _run_events("Something else entirely, half written")
    crashed = _with_restart(clean, 12, abandoned)
    snapshots = _fold(crashed)
    at = next(i for i, e in enumerate(crashed) if e.type == "turn_restarted")
    assert "Something" in snapshots[at - 1].text
    assert snapshots[at].text == "Let me check. "
    assert "Something" not in snapshots[-1].text


async def test_the_terminal_views_honour_a_restarted_turn() -> None:
    import io

    import reactivex
    from rich.console import Console

    from rxagents.rx import aiter
    from rxagents.sinks.live import view_states
    from rxagents.sinks.recording import TimedEvent
    from rxagents.sinks.terminal import PlainPrinter, render_view

    clean = await _run_events()
    abandoned = await _run_events("Something else entirely, half written")
    crashed = _with_restart(clean, 14, abandoned)
    views = [v async for v in aiter(reactivex.from_iterable(crashed).pipe(view_states()))]
    console = Console(file=io.StringIO(), width=110, force_terminal=False)
    console.print(render_view(views[-1]))
    screen = console.file.getvalue()  # type: ignore[attr-defined]
    assert "It is sunny and warm today." in screen and "Something" not in screen
    out = io.StringIO()
    printer = PlainPrinter(out, single=True)
    for event in crashed:
        printer(TimedEvent(0.0, event))
    lines = out.getvalue().splitlines()
    void = next(i for i, line in enumerate(lines) if "turn 2 restarts (attempt 2)" in line)
    assert "Something" in lines[void - 1]  # written before the restart (append-only) ...
    assert lines[void + 1].startswith("It is sunny")  # ... and declared void


async def test_the_ui_protocols_take_back_the_abandoned_attempt() -> None:
    import reactivex

    from rxagents.sinks.agui import agui_events
    from rxagents.sinks.ai_sdk import ui_message_chunks
    from rxagents.testing import collect

    clean = await _run_events()
    abandoned = await _run_events("Something else entirely, half written")
    crashed = _with_restart(clean, 14, abandoned)
    chunks = list(await collect(reactivex.from_iterable(crashed).pipe(ui_message_chunks())))
    kinds = [c["type"] for c in chunks]
    reset = kinds.index("reset-step")
    assert kinds.count("start-step") == 2  # the restarted turn goes on in its own step
    assert kinds[reset - 1] == "text-end"  # the abandoned part is closed, then dropped
    after = "".join(c["delta"] for c in chunks[reset:] if c["type"] == "text-delta")
    assert after == "It is sunny and warm today."
    assert kinds[-2:] == ["finish-step", "finish"]
    agui = list(await collect(reactivex.from_iterable(crashed).pipe(agui_events("t", "r"))))
    custom = [e for e in agui if getattr(e, "name", None) == "turn_restarted"]
    assert len(custom) == 1 and custom[0].value["turn"] == 2


async def test_partial_output_starts_over_with_the_restarted_turn() -> None:
    import reactivex
    from pydantic import BaseModel

    from rxagents.operators import partial_output
    from rxagents.testing import collect

    class Weather(BaseModel):
        city: str = ""
        degrees: int = 0

    async def events(final: str) -> list[Any]:
        model = ScriptedModel(
            [[tool_call("lookup", {"q": "x"}, call_id="c1")], [text(final, chunk_size=3)]]
        )
        agent = Agent("a", tools=[lookup], model=model, output_type=Weather)
        return [e async for e in Runner.run_streamed(agent, "weather?")]

    clean = await events('{"city": "Paris", "degrees": 21}')
    abandoned = await events('{"city": "London", "degrees": 9}')
    crashed = _with_restart(clean, 9, abandoned)  # cut inside "London"
    values = list(await collect(reactivex.from_iterable(crashed).pipe(partial_output(Weather))))
    restart = next(i for i, e in enumerate(crashed) if e.type == "turn_restarted")
    assert any("Lon" in v.city for v in values)  # the abandoned attempt streamed
    assert values[-1] == Weather(city="Paris", degrees=21)
    after = values[next(i for i, v in enumerate(values) if v.city.startswith("P")) :]
    assert restart > 0 and len(after) > 1  # parsed afresh while streaming, not only at the end
    assert all("Paris".startswith(v.city) for v in after)
