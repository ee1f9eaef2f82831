"""smooth_text: re-chunking, pacing in virtual time, lossless in order."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

import pytest
import reactivex
from hypothesis import given
from hypothesis import strategies as st
from reactivex import operators as ops
from reactivex.testing import ReactiveTest, TestScheduler
from reactivex.testing.marbles import marbles_testing

from rxagents import Agent, Runner
from rxagents import operators as rxo
from rxagents.errors import UserError
from rxagents.testing import ScriptedModel, text
from tests.operators.opevents import (
    collect,
    delta,
    is_text,
    part_added,
    part_of,
    segments,
    text_of,
    tool_called,
)

on_next = ReactiveTest.on_next
on_completed = ReactiveTest.on_completed
on_error = ReactiveTest.on_error

WORD = re.compile(r"\s*\S+\s+")


def test_the_docstring_marble() -> None:
    values = {"a": "Hel", "b": "lo big world", "X": 42, "h": "Hello ", "i": "big ", "w": "world"}
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        source = cold("-a-b----X----|", values)
        result = start(source.pipe(rxo.smooth_text("word", 2.0)))
        assert result == exp("---h-i--(w,X)|", values)


def test_without_delay_it_only_rechunks_and_needs_no_scheduler() -> None:
    pieces = ["The qu", "ick", " brown fox ", "jumps\nover", " the lazy dog."]
    words = collect(reactivex.from_iterable(pieces).pipe(rxo.smooth_text("word", 0)))
    assert words == [
        "The ",
        "quick ",
        "brown ",
        "fox ",
        "jumps\n",
        "over ",
        "the ",
        "lazy ",
        "dog.",
    ]
    lines = collect(reactivex.from_iterable(pieces).pipe(rxo.smooth_text("line", 0)))
    assert lines == ["The quick brown fox jumps\n", "over the lazy dog."]


def test_a_custom_regex_chunks_sentences() -> None:
    pieces = ["Hi. How a", "re you? Fi", "ne!"]
    sentences = collect(reactivex.from_iterable(pieces).pipe(rxo.smooth_text(r"[.!?]\s*", delay=0)))
    assert sentences == ["Hi. ", "How are you? ", "Fine!"]
    compiled = collect(
        reactivex.from_iterable(pieces).pipe(rxo.smooth_text(re.compile(r"\?"), delay=0))
    )
    assert compiled == ["Hi. How are you?", " Fine!"]


def test_a_pattern_that_matches_empty_still_progresses() -> None:
    out = collect(reactivex.of("abc", "de").pipe(rxo.smooth_text(r"x*", delay=0)))
    assert "".join(out) == "abcde"
    assert out == ["a", "b", "c", "d", "e"]


def test_rechunked_events_keep_their_part_and_sequence() -> None:
    first, second, third = delta("Hel", seq=5), delta("lo wo", seq=6), delta("rld", seq=7)
    done = part_added()
    out = collect(reactivex.of(first, second, third, done).pipe(rxo.smooth_text(delay=0)))
    assert [(e.data.delta, e.sequence_number) for e in out[:-1]] == [("Hello ", 6), ("world", 7)]
    assert all(e.data.item_id == "msg_1" and e.run_id == "run_a" for e in out[:-1])
    assert all(e.data.sequence_number == e.sequence_number for e in out[:-1])
    assert out[-1] is done


def test_an_error_releases_everything_at_once() -> None:
    boom = ValueError("boom")
    scheduler = TestScheduler()
    source = scheduler.create_hot_observable(
        on_next(210, "one two three four "), on_error(211, boom)
    )
    results = scheduler.start(lambda: source.pipe(rxo.smooth_text("word", 10.0)))
    assert results.messages == [
        on_next(210, "one "),
        on_next(211, "two "),
        on_next(211, "three "),
        on_next(211, "four "),
        on_error(211, boom),
    ]


def test_completion_waits_for_the_paced_text_then_follows_at_once() -> None:
    scheduler = TestScheduler()
    source = scheduler.create_hot_observable(on_next(210, "a b c"), on_completed(211))
    results = scheduler.start(lambda: source.pipe(rxo.smooth_text("word", 10.0)))
    assert results.messages == [
        on_next(210, "a "),
        on_next(220, "b "),
        on_next(230, "c"),
        on_completed(230),
    ]


def test_disposing_stops_the_pacing() -> None:
    scheduler = TestScheduler()
    source = scheduler.create_hot_observable(on_next(210, "a b c d "))
    results = scheduler.start(lambda: source.pipe(rxo.smooth_text("word", 10.0)), disposed=225)
    scheduler.advance_to(1000)
    assert results.messages == [on_next(210, "a "), on_next(220, "b ")]


@pytest.mark.parametrize(
    ("chunking", "delay", "message"),
    [("(", 0.01, "not a valid regex"), ("", 0.01, "chunking"), ("word", -1, "delay")],
)
def test_bad_arguments(chunking: Any, delay: Any, message: str) -> None:
    with pytest.raises(UserError, match=message):
        rxo.smooth_text(chunking, delay)


async def test_on_a_run_words_arrive_whole_and_nothing_is_lost() -> None:
    content = "Streaming text in odd token sizes looks jittery; words look calm.\nSecond line."
    agent = Agent("a", model=ScriptedModel([[text(content, chunk_size=3)]]))
    words: list[str] = []
    await Runner.run_streamed(agent, "hi").pipe(
        rxo.text_deltas(), rxo.smooth_text("word", 0.001), ops.do_action(words.append)
    )
    assert "".join(words) == content
    assert all(WORD.fullmatch(w) for w in words[:-1])


pieces = st.text(alphabet="ab \n", min_size=1, max_size=6)
item = st.one_of(
    st.tuples(st.just("text"), pieces, st.sampled_from(["msg_1", "msg_2"])),
    st.tuples(st.just("str"), pieces, st.none()),
    st.tuples(st.sampled_from(["part", "call"]), st.none(), st.none()),
)


def build(kind: str, piece: Any, item_id: Any) -> Any:
    if kind == "text":
        return delta(piece, item=item_id)
    if kind == "str":
        return piece
    return part_added() if kind == "part" else tool_called()


@given(
    timeline=st.lists(st.tuples(st.integers(min_value=0, max_value=4), item), max_size=30),
    chunking=st.sampled_from(["word", "line"]),
    pause=st.integers(min_value=1, max_value=6),
    end_gap=st.integers(min_value=0, max_value=10),
    fails=st.booleans(),
)
def test_invariants(
    timeline: list[tuple[int, Any]], chunking: str, pause: int, end_gap: int, fails: bool
) -> None:
    scheduler = TestScheduler()
    arrivals: list[tuple[int, Any]] = []
    t = 201
    for gap, spec in timeline:
        t += gap
        arrivals.append((t, build(*spec)))
    end = t + end_gap
    boom = RuntimeError("boom")
    messages: list[Any] = [on_next(time, value) for time, value in arrivals]
    messages.append(on_error(end, boom) if fails else on_completed(end))
    source = scheduler.create_hot_observable(messages)
    results = scheduler.start(
        lambda: source.pipe(rxo.smooth_text(chunking, float(pause))), disposed=100_000
    )

    out = [(m.time, m.value.value) for m in results.messages if m.value.kind == "N"]
    inputs = [value for _, value in arrivals]
    outputs = [value for _, value in out]
    # Lossless, in order: the same text per part between the same non-text events.
    assert segments(outputs) == segments(inputs)
    # Non-text events pass untouched and in order, never before they arrive.
    passed = [(at, v) for at, v in out if not is_text(v)]
    assert [v for _, v in passed] == [v for v in inputs if not is_text(v)]
    arrived_at = {id(v): at for at, v in arrivals}
    assert all(at >= arrived_at[id(v)] for at, v in passed)
    # Chunks are whole words (lines); only the last chunk of a part may be partial.
    pattern = WORD if chunking == "word" else re.compile(r"[^\n]*\n+")
    for index, current in enumerate(outputs):
        following = outputs[index + 1] if index + 1 < len(outputs) else None
        if not is_text(current):
            continue
        assert text_of(current)
        if following is not None and is_text(following) and part_of(following) == part_of(current):
            assert pattern.fullmatch(text_of(current)), (current, following)
    # A steady pace: text chunks at least `pause` apart (an error flushes at once),
    # and released as soon as allowed: as text (or the event or end closing a part)
    # arrives, or as a pause ends.
    text_times = [at for at, v in out if is_text(v)]
    arrival_times = {at for at, _ in arrivals}
    for previous, current in pairwise(text_times):
        if fails and current == end:
            continue
        assert current - previous >= pause
        assert current == previous + pause or current in arrival_times | {end}
    if text_times:
        assert text_times[0] in arrival_times | {end}
    # Termination: errors at once; completion right after the last paced chunk.
    last = results.messages[-1]
    if fails:
        assert (last.time, last.value.kind) == (end, "E")
    else:
        assert last.value.kind == "C"
        assert last.time == max([end, *[at for at, _ in out]])
