"""partial_output(): validated partial objects while structured output streams."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from reactivex import Observable
from reactivex import operators as ops

from rxagents import Agent, Runner
from rxagents.errors import ModelBehaviorError, UserError
from rxagents.operators import partial_output
from rxagents.testing import ScriptedModel, text, tool_call


class Trip(BaseModel):
    city: str
    days: list[str] = []
    note: str = ""


class Point(BaseModel):
    x: int
    y: int


async def collect(source: Observable[Any]) -> list[Any]:
    out: list[Any] = await source.pipe(ops.to_list())
    return out


def structured(output_type: Any, json_text: str, chunk_size: int) -> Agent[Any]:
    model = ScriptedModel([[text(json_text, chunk_size=chunk_size)]])
    return Agent("planner", model=model, output_type=output_type)


def is_prefix(small: str, big: str) -> bool:
    return big.startswith(small)


safe_text = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs"]), max_size=12)
trips = st.builds(Trip, city=safe_text, days=st.lists(safe_text, max_size=4), note=safe_text)


@given(trips, st.integers(1, 9))
async def test_each_emission_is_a_valid_growing_trip(trip: Trip, chunk_size: int) -> None:
    stream = Runner.run_streamed(structured(Trip, trip.model_dump_json(), chunk_size), "go")
    emissions: list[Trip] = await collect(stream.pipe(partial_output(Trip)))
    assert emissions, "at least the final output"
    assert all(isinstance(e, Trip) for e in emissions)
    assert emissions[-1] == trip  # the last emission is the final output
    assert stream.final_output == trip
    for before, after in itertools.pairwise(emissions[:-1]):
        assert before != after  # only changes are emitted while streaming
    for e in emissions:  # every partial is a prefix of the final object
        assert is_prefix(e.city, trip.city)
        assert e.days == trip.days[: len(e.days)] or (
            e.days[:-1] == trip.days[: len(e.days) - 1]
            and is_prefix(e.days[-1], trip.days[len(e.days) - 1])
        )
        assert e.note == "" or is_prefix(e.note, trip.note)


@given(trips, st.integers(1, 9))
async def test_mode_on_never_shows_half_strings(trip: Trip, chunk_size: int) -> None:
    stream = Runner.run_streamed(structured(Trip, trip.model_dump_json(), chunk_size), "go")
    emissions: list[Trip] = await collect(stream.pipe(partial_output(Trip, mode="on")))
    assert emissions[-1] == trip
    for e in emissions:
        assert e.city == trip.city  # required: present and complete from the first emission
        assert e.days == trip.days[: len(e.days)]
        assert e.note in ("", trip.note)


async def test_the_final_emission_is_the_runs_own_final_output() -> None:
    pieces = ['{"x": 1', ', "y": 2', "2}"]
    model = ScriptedModel([[text("".join(pieces), chunks=pieces)]])
    stream = Runner.run_streamed(Agent("p", model=model, output_type=Point), "go")
    emissions: list[Point] = await collect(stream.pipe(partial_output(Point)))
    # '{"x": 1' lacks y; a number at the very end may still grow (2, then 22).
    assert emissions == [Point(x=1, y=2), Point(x=1, y=22), Point(x=1, y=22)]
    assert stream.last_result is not None
    assert emissions[-1] is stream.last_result.final_output


@given(st.lists(st.integers(-1000, 1000), max_size=8), st.integers(1, 7))
async def test_wrapped_lists_grow_by_elements(values: list[int], chunk_size: int) -> None:
    json_text = '{"response": ' + str(values).replace(" ", "") + "}"
    stream = Runner.run_streamed(structured(list[int], json_text, chunk_size), "go")
    emissions: list[list[int]] = await collect(stream.pipe(partial_output(list[int])))
    assert emissions[-1] == values
    for e in emissions:
        assert len(e) <= len(values)
        assert e[:-1] == values[: max(len(e) - 1, 0)]  # all but a still-growing last number


async def test_only_the_structured_agents_json_is_parsed() -> None:
    model = ScriptedModel(
        [
            [text("Passing you to the planner."), tool_call("transfer_to_planner")],
            [text('{"x": 3, "y": 4}', chunk_size=3)],
        ]
    )
    planner: Agent[Any] = Agent("planner", model=model, output_type=Point)
    triage: Agent[Any] = Agent("triage", model=model, handoffs=[planner])
    emissions = await collect(Runner.run_streamed(triage, "go").pipe(partial_output(Point)))
    # The triage agent's plain text never validates; the planner's JSON does once
    # y arrives, and the final output follows.
    assert emissions == [Point(x=3, y=4), Point(x=3, y=4)]


async def test_a_type_that_does_not_fit_the_output_is_a_typed_error() -> None:
    class Other(BaseModel):
        z: str

    stream = Runner.run_streamed(structured(Point, '{"x": 1, "y": 2}', 4), "go")
    with pytest.raises(ModelBehaviorError, match="does not validate as Other"):
        await collect(stream.pipe(partial_output(Other)))


async def test_a_partial_model_with_optional_fields_emits_from_the_first_field() -> None:
    class PartialTrip(BaseModel):
        city: str | None = None
        days: list[str] = []

    trip = Trip(city="Lisbon", days=["Alfama", "Belém"])
    stream = Runner.run_streamed(structured(Trip, trip.model_dump_json(), 3), "go")
    emissions: list[PartialTrip] = await collect(stream.pipe(partial_output(PartialTrip)))
    assert emissions[0] == PartialTrip()  # '{' alone is already a valid PartialTrip
    assert emissions[-1] == PartialTrip(city="Lisbon", days=["Alfama", "Belém"])


def test_plain_text_types_and_bad_modes_are_rejected() -> None:
    with pytest.raises(UserError, match="text_deltas"):
        partial_output(str)
    with pytest.raises(UserError, match="mode"):
        partial_output(Point, mode="off")  # type: ignore[arg-type]
