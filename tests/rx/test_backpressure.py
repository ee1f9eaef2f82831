"""Backpressure of the bounded async iterator, and its overflow policies.

rxagents' own producers wait for the consumer: the model is never read more
than ``maxsize`` events ahead. Sources that cannot wait (subjects, hot handles)
meet the overflow policy instead.
"""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseCreatedEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
)
from reactivex.subject import ReplaySubject, Subject

from rxagents import Agent, Runner
from rxagents import operators as rxo
from rxagents.errors import UserError
from rxagents.events import RawResponsesStreamEvent, RunItemStreamEvent, raw_event
from rxagents.models.base import ModelRequest
from rxagents.rx import BufferOverflow, ObservableIterator, aiter
from rxagents.testing import ScriptedModel, text


@dataclass
class CountingModel:
    """A model streaming ``deltas`` text deltas, built lazily, counting what it yielded."""

    deltas: int
    produced: int = 0
    consumed: int = 0
    """Set by the test's consumer: how many of this model's events it has taken."""
    max_lag: int = 0
    deltas_produced: int = 0
    deltas_consumed: int = 0
    max_delta_lag: int = 0
    requests: list[ModelRequest] = field(default_factory=list)

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        self.requests.append(request)
        return self._play()

    def _produce(self) -> None:
        self.produced += 1
        self.max_lag = max(self.max_lag, self.produced - self.consumed)

    async def _play(self) -> AsyncIterator[ResponseStreamEvent]:
        seq = 0
        base = Response(
            id="resp_1",
            created_at=0.0,
            model="counting",
            object="response",
            output=[],
            parallel_tool_calls=True,
            tool_choice="auto",
            tools=[],
            status="in_progress",
        )
        self._produce()
        yield ResponseCreatedEvent(type="response.created", response=base, sequence_number=seq)
        seq += 1
        self._produce()
        yield ResponseOutputItemAddedEvent(
            type="response.output_item.added",
            item=ResponseOutputMessage(
                id="msg_1", content=[], role="assistant", status="in_progress", type="message"
            ),
            output_index=0,
            sequence_number=seq,
        )
        seq += 1
        self._produce()
        yield ResponseContentPartAddedEvent(
            type="response.content_part.added",
            item_id="msg_1",
            output_index=0,
            content_index=0,
            part=ResponseOutputText(type="output_text", text="", annotations=[]),
            sequence_number=seq,
        )
        # One delta object yielded again and again: the test measures what the
        # pipeline keeps, not the cost of building model events.
        token = ResponseTextDeltaEvent(
            type="response.output_text.delta",
            item_id="msg_1",
            output_index=0,
            content_index=0,
            delta="tok ",
            logprobs=[],
            sequence_number=seq + 1,
        )
        for _ in range(self.deltas):
            seq += 1
            self._produce()
            self.deltas_produced += 1
            lag = self.deltas_produced - self.deltas_consumed
            self.max_delta_lag = max(self.max_delta_lag, lag)
            yield token
        part = ResponseOutputText(type="output_text", text="(streamed)", annotations=[])
        done = ResponseOutputMessage(
            id="msg_1", content=[part], role="assistant", status="completed", type="message"
        )
        seq += 1
        self._produce()
        yield ResponseOutputItemDoneEvent(
            type="response.output_item.done", item=done, output_index=0, sequence_number=seq
        )
        seq += 1
        self._produce()
        yield ResponseCompletedEvent(
            type="response.completed",
            response=base.model_copy(update={"status": "completed", "output": [done]}),
            sequence_number=seq,
        )


# -- real backpressure on rxagents' own producers ------------------------------


@pytest.mark.parametrize("maxsize", [1, 3, 8])
async def test_slow_consumer_never_lags_the_model_by_more_than_maxsize(maxsize: int) -> None:
    model = CountingModel(deltas=30)
    agent = Agent("slow", model=model)
    async with Runner.run_streamed(agent, "hi").events(maxsize=maxsize) as events:
        async for event in events:
            if isinstance(event, RawResponsesStreamEvent):
                model.consumed += 1
            await asyncio.sleep(0.005)  # the consumer is slow (5 ms per event)
    assert model.consumed == model.produced == 30 + 5
    # Measured by the model each time it yields: never more than maxsize ahead...
    assert model.max_lag <= maxsize
    # ...and it did run ahead into the buffer while the consumer slept.
    assert model.max_lag == maxsize


async def test_backpressure_reaches_through_operators() -> None:
    model = CountingModel(deltas=50)
    agent = Agent("slow", model=model)
    stream = Runner.run_streamed(agent, "hi")
    async with aiter(stream.pipe(rxo.text_deltas()), maxsize=4) as deltas:
        async for delta in deltas:
            assert delta == "tok "
            model.deltas_consumed += 1
            await asyncio.sleep(0)
    assert model.deltas_consumed == model.deltas_produced == 50
    # Events the operator filters out never take buffer space; deltas do.
    assert model.max_delta_lag == 4


async def test_memory_stays_flat_over_a_100k_delta_run() -> None:
    model = CountingModel(deltas=100_000)
    agent = Agent("long", model=model)
    tracemalloc.start()
    try:
        async for event in Runner.run_streamed(agent, "hi").events(maxsize=64):
            if isinstance(event, RawResponsesStreamEvent):
                model.consumed += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model.consumed == 100_000 + 5
    assert model.max_lag <= 64
    # Flat: the peak is a few dozen events' worth, whatever the run's length
    # (holding the run's events would take well over 50 MB; measured ~35 kB).
    assert peak < 1024 * 1024, peak


# -- overflow policies, on sources that cannot wait ----------------------------


async def drain(iterator: ObservableIterator[Any]) -> list[Any]:
    return [item async for item in iterator]


async def test_grow_keeps_everything() -> None:
    subject: Subject[int] = Subject()
    iterator = aiter(subject, maxsize=3, overflow="grow")
    async with iterator:
        for i in range(10):
            subject.on_next(i)
        subject.on_completed()
        assert await drain(iterator) == list(range(10))
    assert iterator.dropped == 0


async def test_error_delivers_the_buffer_then_raises_and_unsubscribes() -> None:
    subject: Subject[int] = Subject()
    iterator = aiter(subject, maxsize=3, overflow="error")
    async with iterator:
        for i in range(5):
            subject.on_next(i)
        assert not subject.observers  # the iterator unsubscribed on overflow
        received = [await iterator.__anext__() for _ in range(3)]
        assert received == [0, 1, 2]
        with pytest.raises(BufferOverflow, match="maxsize=3"):
            await iterator.__anext__()


async def test_error_while_subscribing_to_a_replaying_subject_unsubscribes() -> None:
    subject: ReplaySubject[int] = ReplaySubject()
    for i in range(10):
        subject.on_next(i)
    iterator = aiter(subject, maxsize=4, overflow="error")
    with pytest.raises(BufferOverflow):
        await drain(iterator)
    assert not subject.observers


async def test_drop_oldest_keeps_the_latest() -> None:
    subject: Subject[int] = Subject()
    iterator = aiter(subject, maxsize=3, overflow="drop_oldest")
    async with iterator:
        for i in range(10):
            subject.on_next(i)
        subject.on_completed()
        assert await drain(iterator) == [7, 8, 9]
    assert iterator.dropped == 7


async def test_drop_newest_keeps_the_earliest() -> None:
    subject: Subject[int] = Subject()
    iterator = aiter(subject, maxsize=3, overflow="drop_newest")
    async with iterator:
        for i in range(10):
            subject.on_next(i)
        subject.on_completed()
        assert await drain(iterator) == [0, 1, 2]
    assert iterator.dropped == 7


def test_bad_arguments_are_user_errors() -> None:
    with pytest.raises(UserError, match="maxsize"):
        ObservableIterator(Subject(), maxsize=0)
    with pytest.raises(UserError, match="overflow must be one of"):
        ObservableIterator(Subject(), overflow="block")  # type: ignore[arg-type]


# -- coalesce_text: lossless for text, other events kept -----------------------


def delta(seq: int, text_: str, item: str = "msg_1", run: str = "run_a") -> RawResponsesStreamEvent:
    return raw_event(
        run,
        seq,
        ResponseTextDeltaEvent(
            type="response.output_text.delta",
            item_id=item,
            output_index=0,
            content_index=0,
            delta=text_,
            logprobs=[],
            sequence_number=seq,
        ),
    )


def marker(seq: int, run: str = "run_a") -> RawResponsesStreamEvent:
    return raw_event(
        run,
        seq,
        ResponseContentPartAddedEvent(
            type="response.content_part.added",
            item_id=f"msg_{seq}",
            output_index=0,
            content_index=0,
            part=ResponseOutputText(type="output_text", text="", annotations=[]),
            sequence_number=seq,
        ),
    )


def is_delta(event: Any) -> bool:
    return isinstance(event, RawResponsesStreamEvent) and event.data.type == (
        "response.output_text.delta"
    )


def same_part(a: Any, b: Any) -> bool:
    return is_delta(a) and is_delta(b) and (a.run_id, a.data.item_id) == (b.run_id, b.data.item_id)


def text_by_part(events: list[Any]) -> list[tuple[str, str, str]]:
    """(run, item, joined text) for each maximal group of same-part deltas, with
    non-text events as separators."""
    groups: list[tuple[str, str, str]] = []
    for event in events:
        if is_delta(event):
            key = (event.run_id, event.data.item_id)
            if groups and groups[-1][:2] == key:
                groups[-1] = (*key, groups[-1][2] + event.data.delta)
            else:
                groups.append((*key, event.data.delta))
        else:
            groups.append(("", "", f"<{event.sequence_number}>"))
    return groups


async def test_coalesce_text_merges_a_slow_consumers_deltas_in_one_part() -> None:
    subject: Subject[Any] = Subject()
    iterator = aiter(subject, maxsize=2, overflow="coalesce_text")
    async with iterator:
        for i, word in enumerate(["The ", "quick ", "brown ", "fox"]):
            subject.on_next(delta(i, word))
        subject.on_next(marker(4))
        subject.on_next(delta(5, "!"))
        subject.on_completed()
        out = await drain(iterator)
    assert [e.data.delta if is_delta(e) else "<>" for e in out] == [
        "The ",
        "quick brown fox",
        "<>",
        "!",
    ]
    # The merged delta keeps the later sequence number.
    assert [e.sequence_number for e in out] == [0, 3, 4, 5]
    assert iterator.dropped == 2


async def test_coalesce_text_merges_strings_from_text_deltas() -> None:
    subject: Subject[str] = Subject()
    iterator = aiter(subject, maxsize=1, overflow="coalesce_text")
    async with iterator:
        for piece in ["a", "b", "c", "d"]:
            subject.on_next(piece)
        first = await iterator.__anext__()
        subject.on_next("e")
        subject.on_next("f")
        subject.on_completed()
        rest = await drain(iterator)
    assert [first, *rest] == ["abcd", "ef"]


async def test_coalesce_text_linear_time_for_a_stalled_consumer() -> None:
    subject: Subject[Any] = Subject()
    iterator = aiter(subject, maxsize=8, overflow="coalesce_text")
    async with iterator:
        for i in range(50_000):
            subject.on_next(delta(i, "xy"))
        subject.on_completed()
        out = await drain(iterator)
    assert "".join(e.data.delta for e in out) == "xy" * 50_000
    assert len(out) == 8


item_strategy = st.one_of(
    st.tuples(
        st.just("delta"),
        st.sampled_from(["a", "bc", " ", "dé", ""]),
        st.sampled_from(["msg_1", "msg_2"]),
    ),
    st.tuples(st.just("marker"), st.just(""), st.just("")),
)
step_strategy = st.one_of(
    st.tuples(st.just("push"), item_strategy),
    st.tuples(st.just("take"), st.integers(min_value=1, max_value=4)),
)


@given(
    steps=st.lists(step_strategy, max_size=60),
    maxsize=st.integers(min_value=1, max_value=5),
)
def test_coalesce_text_is_lossless_and_bounded(steps: list[tuple[str, Any]], maxsize: int) -> None:
    async def scenario() -> tuple[list[Any], list[Any], int, int]:
        subject: Subject[Any] = Subject()
        iterator = aiter(subject, maxsize=maxsize, overflow="coalesce_text")
        pushed: list[Any] = []
        out: list[Any] = []
        merges = 0
        async with iterator:
            for kind, arg in steps:
                if kind == "push":
                    what, piece, item = arg
                    seq = len(pushed)
                    event = delta(seq, piece, item) if what == "delta" else marker(seq)
                    before = len(iterator._buffer) + (iterator._tail is not None)
                    mergeable = bool(pushed) and same_part(pushed[-1], event)
                    pushed.append(event)
                    subject.on_next(event)
                    after = len(iterator._buffer) + (iterator._tail is not None)
                    if before >= maxsize and mergeable:
                        merges += 1
                        assert after == before  # merged into the last buffered delta
                    else:
                        assert after == before + 1  # kept: nothing is ever lost
                else:
                    for _ in range(arg):
                        if not (iterator._buffer or iterator._tail):
                            break
                        out.append(await iterator.__anext__())
            subject.on_completed()
            out.extend(await drain(iterator))
        return pushed, out, merges, iterator.dropped

    pushed, out, merges, dropped = asyncio.run(scenario())
    assert text_by_part(out) == text_by_part(pushed)
    assert [e for e in out if not is_delta(e)] == [e for e in pushed if not is_delta(e)]
    assert len(out) + dropped == len(pushed)
    assert dropped == merges
    # sequence numbers still increase (a merged delta keeps the later one)
    seqs = [e.sequence_number for e in out]
    assert seqs == sorted(set(seqs))


async def test_hot_handle_meets_the_overflow_policy() -> None:
    pieces = [f"w{i} " for i in range(40)]
    agent = Agent("hot", model=ScriptedModel([[text("".join(pieces), chunks=pieces)]]))
    handle = Runner.start(agent, "hi")
    await handle.result()  # the whole run is in the replay buffer already
    iterator = aiter(handle.events, maxsize=4, overflow="coalesce_text")
    out = await drain(iterator)
    texts = [e.data.delta for e in out if is_delta(e)]
    assert "".join(texts) == "".join(pieces)
    assert len(texts) < len(pieces)
    assert out[-1].type == "run_completed_stream_event"
    assert any(isinstance(e, RunItemStreamEvent) for e in out)
