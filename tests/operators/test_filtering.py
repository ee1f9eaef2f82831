"""Filtering and views: subsequences of the input, projected; types that reach mypy."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from rxagents import Agent, Runner, function_tool, handoff
from rxagents import operators as rxo
from rxagents.errors import UserError
from rxagents.events import (
    AgentUpdatedStreamEvent,
    RawResponsesStreamEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
)
from rxagents.items import HandoffOutputItem
from rxagents.testing import ScriptedModel, text, tool_call
from tests.operators.opevents import (
    BILLING,
    TRIAGE,
    agent_updated,
    collect,
    delta,
    events,
    handoff_occured,
    is_subsequence,
    of,
    tool_called,
)


@function_tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def support_agents() -> Agent[Any]:
    """triage calls add, then hands off to billing, which answers."""
    billing = Agent(
        "billing",
        model=ScriptedModel([[text("Your bill is 3 euros.", chunk_size=5)]]),
    )
    return Agent(
        "triage",
        model=ScriptedModel(
            [
                [text("Adding. ", chunk_size=3), tool_call("add", {"a": 1, "b": 2})],
                [tool_call("transfer_to_billing", {})],
            ]
        ),
        tools=[add],
        handoffs=[handoff(billing)],
    )


@pytest.fixture
async def run_events() -> list[Any]:
    return [event async for event in Runner.run_streamed(support_agents(), "what do I owe?")]


# -- on a real run -------------------------------------------------------------


def test_text_deltas_are_the_streamed_text(run_events: list[Any]) -> None:
    deltas = collect(of(run_events).pipe(rxo.text_deltas()))
    assert deltas == ["Add", "ing", ". ", "Your ", "bill ", "is 3 ", "euros", "."]
    assert "".join(deltas) == "Adding. Your bill is 3 euros."


def test_tool_calls_and_outputs(run_events: list[Any]) -> None:
    calls = collect(of(run_events).pipe(rxo.tool_calls()))
    outputs = collect(of(run_events).pipe(rxo.tool_outputs()))
    assert [(c.tool_name, c.raw_item.arguments) for c in calls] == [("add", '{"a": 1, "b": 2}')]
    assert [(o.call_id, o.output, o.is_error) for o in outputs] == [(calls[0].call_id, 3, False)]


def test_agent_updates_and_handoffs(run_events: list[Any]) -> None:
    agents = collect(of(run_events).pipe(rxo.agent_updates()))
    assert [a.name for a in agents] == ["triage", "billing"]
    moves = collect(of(run_events).pipe(rxo.handoffs()))
    assert [(m.from_agent.name, m.to_agent.name) for m in moves] == [("triage", "billing")]
    from_agent, to_agent = moves[0]  # unpacks as a pair
    assert (from_agent, to_agent) == (agents[0], agents[1])


def test_run_items_by_name(run_events: list[Any]) -> None:
    names = [e.name for e in collect(of(run_events).pipe(rxo.run_items()))]
    assert names == [
        "message_output_created",
        "tool_called",
        "tool_output",
        "handoff_requested",
        "handoff_occured",
        "message_output_created",
    ]
    picked = collect(of(run_events).pipe(rxo.run_items("tool_called", "handoff_requested")))
    assert [e.name for e in picked] == ["tool_called", "handoff_requested"]


def test_raw_by_type(run_events: list[Any]) -> None:
    done = collect(of(run_events).pipe(rxo.raw("response.output_text.done")))
    assert [e.data.text for e in done] == ["Adding. ", "Your bill is 3 euros."]
    every = collect(of(run_events).pipe(rxo.raw()))
    assert every == [e for e in run_events if isinstance(e, RawResponsesStreamEvent)]


def test_of_type_one_or_several_classes(run_events: list[Any]) -> None:
    completed = collect(of(run_events).pipe(rxo.of_type(RunCompletedStreamEvent)))
    assert len(completed) == 1
    assert completed[0].result.final_output == "Your bill is 3 euros."
    mixed = collect(of(run_events).pipe(rxo.of_type(AgentUpdatedStreamEvent, RunItemStreamEvent)))
    assert mixed == [
        e for e in run_events if isinstance(e, AgentUpdatedStreamEvent | RunItemStreamEvent)
    ]


async def test_views_on_the_live_run() -> None:
    text_ = await Runner.run_streamed(support_agents(), "hi").pipe(rxo.text_deltas(), rxo_join())
    assert text_ == "Adding. Your bill is 3 euros."


def rxo_join() -> Any:
    from reactivex import operators as ops

    return ops.reduce(lambda acc, piece: acc + piece, "")


# -- invariants ----------------------------------------------------------------

FILTERS = {
    "of_type": lambda: rxo.of_type(RunItemStreamEvent),
    "of_type2": lambda: rxo.of_type(RawResponsesStreamEvent, AgentUpdatedStreamEvent),
    "run_items": lambda: rxo.run_items(),
    "run_items_named": lambda: rxo.run_items("tool_called", "handoff_occured"),
    "raw": lambda: rxo.raw(),
    "raw_typed": lambda: rxo.raw("response.output_text.delta", "response.content_part.added"),
}

VIEWS = {
    "text_deltas": (
        rxo.text_deltas,
        lambda e: (
            isinstance(e, RawResponsesStreamEvent) and e.data.type == "response.output_text.delta"
        ),
        lambda e: e.data.delta,
    ),
    "tool_calls": (
        rxo.tool_calls,
        lambda e: isinstance(e, RunItemStreamEvent) and e.name == "tool_called",
        lambda e: e.item,
    ),
    "tool_outputs": (
        rxo.tool_outputs,
        lambda e: isinstance(e, RunItemStreamEvent) and e.name == "tool_output",
        lambda e: e.item,
    ),
    "agent_updates": (
        rxo.agent_updates,
        lambda e: isinstance(e, AgentUpdatedStreamEvent),
        lambda e: e.new_agent,
    ),
    "handoffs": (
        rxo.handoffs,
        lambda e: isinstance(e, RunItemStreamEvent) and isinstance(e.item, HandoffOutputItem),
        lambda e: (e.item.source_agent, e.item.target_agent),
    ),
}


@given(events())
def test_filters_emit_a_subsequence_of_their_input(items: list[Any]) -> None:
    for name, make in FILTERS.items():
        out = collect(of(items).pipe(make()))
        assert is_subsequence(out, items), name
        # ...and exactly the items they select: re-filtering changes nothing.
        assert collect(of(out).pipe(make())) == out, name


@given(events())
def test_views_project_the_selected_subsequence(items: list[Any]) -> None:
    for name, (make, selects, project) in VIEWS.items():
        out = collect(of(items).pipe(make()))
        assert out == [project(e) for e in items if selects(e)], name


def test_operators_are_reusable_with_state_per_subscription() -> None:
    view = rxo.text_deltas()
    stream = of([delta("a"), tool_called(), delta("b")]).pipe(view)
    assert collect(stream) == ["a", "b"]
    assert collect(stream) == ["a", "b"]


def test_errors_and_completion_pass_through() -> None:
    import reactivex

    boom = ValueError("boom")
    source = reactivex.concat(of([agent_updated(TRIAGE), handoff_occured()]), reactivex.throw(boom))
    seen: list[Any] = []
    errors: list[Exception] = []
    source.pipe(rxo.agent_updates()).subscribe(seen.append, errors.append)
    assert seen == [TRIAGE]
    assert errors == [boom]
    assert collect(of([handoff_occured(TRIAGE, BILLING)]).pipe(rxo.handoffs())) == [
        (TRIAGE, BILLING)
    ]


def test_bad_names_are_user_errors_with_a_suggestion() -> None:
    with pytest.raises(UserError, match="did you mean 'tool_called'"):
        rxo.run_items("tool_call")  # type: ignore[arg-type]
    with pytest.raises(UserError, match=r"did you mean 'response\.output_text\.delta'"):
        rxo.raw("response.output_text.deltas")
    with pytest.raises(UserError, match="at least one class"):
        rxo.of_type()
    with pytest.raises(UserError, match="takes classes"):
        rxo.of_type("RunItemStreamEvent")  # type: ignore[call-overload]


# -- types reach the type checker ----------------------------------------------

TYPING_CHECK = """
from typing import assert_type

from reactivex import Observable

from rxagents import Agent, Runner
from rxagents import operators as rxo
from rxagents.events import (
    AgentUpdatedStreamEvent, RawResponsesStreamEvent, RunItemStreamEvent, StreamEvent,
)
from rxagents.items import ToolCallItem, ToolCallOutputItem


def check(stream: Observable[StreamEvent]) -> None:
    assert_type(stream.pipe(rxo.text_deltas()), Observable[str])
    assert_type(stream.pipe(rxo.tool_calls()), Observable[ToolCallItem])
    assert_type(stream.pipe(rxo.tool_outputs()), Observable[ToolCallOutputItem])
    assert_type(stream.pipe(rxo.handoffs()), Observable[rxo.AgentHandoff])
    assert_type(stream.pipe(rxo.run_items("tool_called")), Observable[RunItemStreamEvent])
    assert_type(stream.pipe(rxo.raw("response.completed")), Observable[RawResponsesStreamEvent])
    assert_type(stream.pipe(rxo.of_type(RunItemStreamEvent)), Observable[RunItemStreamEvent])
    assert_type(
        stream.pipe(rxo.of_type(RunItemStreamEvent, AgentUpdatedStreamEvent)),
        Observable[RunItemStreamEvent | AgentUpdatedStreamEvent],
    )
    assert_type(stream.pipe(rxo.text_deltas(), rxo.batch(10, 0.1)), Observable[list[str]])
    assert_type(stream.pipe(rxo.throttle_latest(0.1)), Observable[StreamEvent])
    assert_type(stream.pipe(rxo.coalesce_text(0.05)), Observable[StreamEvent])
    assert_type(stream.pipe(rxo.text_deltas(), rxo.smooth_text()), Observable[str])
    assert_type(stream.pipe(rxo.dispatch(on_text=print)), Observable[StreamEvent])
    assert_type(Runner.run_streamed(Agent("a"), "hi").pipe(rxo.text_deltas()), Observable[str])
    stream.pipe(rxo.tool_calls(), rxo.text_deltas())  # E: a ToolCallItem is not an event
    bad: Observable[int] = stream.pipe(rxo.text_deltas())  # E: str is not int
"""


def test_types_flow_to_mypy(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    source = tmp_path / "typing_check.py"
    source.write_text(textwrap.dedent(TYPING_CHECK))
    root = Path(__file__).resolve().parents[2]
    # The project's cache keeps this fast when mypy has run on the package before.
    out, err, status = api.run(
        ["--strict", "--cache-dir", str(root / ".mypy_cache"), "--no-error-summary", str(source)]
    )
    # Errors exactly on the lines marked "# E", nowhere else.
    flagged = {int(line.split(":")[1]) for line in out.splitlines() if ": error:" in line}
    marked = {
        number
        for number, line in enumerate(source.read_text().splitlines(), start=1)
        if line.rstrip().split("# E")[0] != line.rstrip()
    }
    assert flagged == marked, out + err
    assert status == 1
