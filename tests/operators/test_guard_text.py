"""guard_text: marbles in virtual time, invariants (hypothesis), and a real run it stops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai.types.responses import ResponseStreamEvent
from reactivex.testing import ReactiveTest

from rxagents import Agent, GuardrailFunctionOutput, Runner
from rxagents import operators as rxo
from rxagents.errors import UserError
from rxagents.models.base import ModelRequest
from rxagents.operators import TextGuardTripped
from rxagents.testing import ScriptedModel, StreamBuilder, text
from rxagents.testing.marbles import Marbles

on_next, on_completed, on_error = (
    ReactiveTest.on_next,
    ReactiveTest.on_completed,
    ReactiveTest.on_error,
)


def no_bad(text_so_far: str) -> bool:
    return "Bad" not in text_so_far


def test_the_docstring_marble() -> None:
    m = Marbles()
    b = StreamBuilder()
    v = {
        "a": b.delta("Hi"),
        "b": b.delta(" there."),
        "c": b.delta(" Bad"),
        "X": b.response_completed(),
        "d": b.delta(" more"),
    }
    records = m.start(lambda: m.cold("-a-b-c-X-d-|", v).pipe(rxo.guard_text(no_bad)))
    tripped = TextGuardTripped("Hi there.", 4, None, "run_test")
    assert records == [
        on_next(205, v["a"]),
        on_next(205, v["b"]),
        on_next(207, tripped),
        on_completed(207),
    ]


def test_windows_of_n_characters_and_a_source_disposed_on_the_trip() -> None:
    m = Marbles()
    values = {"a": "abc", "b": "def", "c": "ghi", "d": "XYZ", "e": "jkl"}
    source = m.cold("-a-b-c-d-e-|", values)
    records = m.start(lambda: source.pipe(rxo.guard_text(lambda t: "X" not in t, window=4)))
    # "abcd" (at b) passes and covers "abc"; "abcdefgh" (at c) covers "def";
    # "abcdefghiXYZ" (at d) is refused: "ghi" and "XYZ" are never released.
    assert records == [
        on_next(203, "abc"),
        on_next(205, "def"),
        on_next(207, TextGuardTripped("abcdef", 6, None, None)),
        on_completed(207),
    ]
    assert [(s.subscribe, s.unsubscribe) for s in source.subscriptions] == [(200, 207)]


def test_other_events_wait_for_the_held_text_and_completion_flushes_it() -> None:
    m = Marbles()
    b = StreamBuilder()
    v = {"a": b.delta("no end"), "X": b.response_completed(), "c": b.delta(" tail")}
    records = m.start(lambda: m.cold("-a--X-c-|", v).pipe(rxo.guard_text(no_bad)))
    assert records == [
        on_next(204, v["a"]),  # "no end" has no sentence end: checked when X comes
        on_next(204, v["X"]),
        on_next(208, v["c"]),  # checked at completion
        on_completed(208),
    ]


def test_a_guardrail_output_check_reports_its_info_and_a_check_error_fails_the_stream() -> None:
    m = Marbles()

    def verdict(t: str) -> GuardrailFunctionOutput:
        return GuardrailFunctionOutput(output_info={"score": len(t)}, tripwire_triggered=len(t) > 6)

    records = m.start(
        lambda: m.cold("-a-b-|", {"a": "one. ", "b": "two. "}).pipe(rxo.guard_text(verdict))
    )
    assert records == [
        on_next(201, "one. "),
        on_next(203, TextGuardTripped("one. ", 5, {"score": 10}, None)),
        on_completed(203),
    ]
    boom = ValueError("classifier down")

    def broken(t: str) -> bool:
        raise boom

    m = Marbles()
    records = m.start(lambda: m.cold("-a-|", {"a": "x. "}).pipe(rxo.guard_text(broken)))
    assert records == [on_error(201, boom)]


def test_bad_windows_are_refused() -> None:
    for bad in (0, -3, "word", 2.5):
        with pytest.raises(UserError, match="window"):
            rxo.guard_text(no_bad, window=bad)  # type: ignore[arg-type]


deltas = st.lists(st.text(alphabet="ab .!\nX", min_size=1, max_size=6), max_size=30)


@settings(max_examples=200, deadline=None)
@given(chunks=deltas, window=st.one_of(st.just("sentence"), st.integers(1, 10)))
def test_released_text_is_a_checked_prefix_and_nothing_follows_a_trip(
    chunks: list[str], window: Any
) -> None:
    checked: list[str] = []

    def check(t: str) -> bool:
        checked.append(t)
        return "X" not in t

    m = Marbles()
    records = m.start(
        lambda: m.cold_timeline([(i + 1, c) for i, c in enumerate(chunks)]).pipe(
            rxo.guard_text(check, window=window)
        )
    )
    values = [r.value.value for r in records if r.value.kind == "N"]
    released = "".join(v for v in values if isinstance(v, str))
    full = "".join(chunks)
    assert full.startswith(released)
    # Every released character was passed by a check that saw it.
    assert any(t.startswith(released) and "X" not in t for t in checked) or released == ""
    assert "X" not in released
    trips = [i for i, v in enumerate(values) if isinstance(v, TextGuardTripped)]
    if "X" in full:
        assert trips == [len(values) - 1]  # the trip is the last value...
        assert records[-1].value.kind == "C"  # ...then completion, nothing else
        assert values[-1].released == released
        assert values[-1].withheld_chars > 0
    else:
        assert trips == [] and released == full  # lossless when nothing trips
        assert records[-1].value.kind == "C"


class ClosingModel:
    """Streams a ScriptedModel's turn; records whether its stream was closed early."""

    def __init__(self, turns: list[list[Any]]) -> None:
        self.inner = ScriptedModel(turns)
        self.closed = False
        self.finished = False

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        return self._play(request)

    async def _play(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        try:
            async for event in self.inner.stream(request):
                await asyncio.sleep(0)
                yield event
            self.finished = True
        finally:
            self.closed = True


async def test_a_trip_cancels_a_real_run_and_the_refused_sentence_never_arrives() -> None:
    story = "The plan is simple. Then the secret code is 1234. And more text follows here."
    model = ClosingModel([[text(story, chunk_size=3)]])
    stream = Runner.run_streamed(Agent("a", model=model), "tell me")
    out = [e async for e in rxo.aiter(stream.pipe(rxo.guard_text(lambda t: "secret" not in t)))]
    tripped = out[-1]
    assert isinstance(tripped, TextGuardTripped)
    shown = "".join(
        e.data.delta
        for e in out[:-1]
        if getattr(e, "type", "") == "raw_response_event"
        and e.data.type == "response.output_text.delta"
    )
    assert shown == tripped.released
    # The first sentence passed; ". T" straddles its end, so it waited and was dropped.
    assert shown == "The plan is simple"
    assert not any(getattr(e, "type", "") == "run_completed_stream_event" for e in out)
    assert model.closed and not model.finished


def test_an_error_first_releases_the_held_text_that_passes() -> None:
    m = Marbles()
    boom = RuntimeError("model dropped")
    records = m.start(
        lambda: m.cold("-a-#", {"a": "half a sen"}, error=boom).pipe(rxo.guard_text(no_bad))
    )
    assert records == [on_next(203, "half a sen"), on_error(203, boom)]
    m = Marbles()
    records = m.start(lambda: m.cold("-a-#", {"a": "Bad"}, error=boom).pipe(rxo.guard_text(no_bad)))
    assert records == [on_next(203, TextGuardTripped("", 3, None, None)), on_completed(203)]
