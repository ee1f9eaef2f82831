"""Pipeline tests as a user writes them with rxagents.testing (the README's examples).

Each one states a property of a pipeline and lets hypothesis search for a run,
a chunking or a timing that breaks it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from reactivex import operators as ops

from rxagents import operators as rxo
from rxagents.events import StreamEvent
from rxagents.testing import (
    Marbles,
    Script,
    assert_valid_run,
    collect,
    delta_text,
    recorded_values,
    scripts,
    stream_events,
    text_chunkings,
    timed,
)


@given(script=scripts(agents=["triage", "billing"]))
async def test_text_deltas_shows_every_character_of_a_run(script: Script) -> None:
    """Any scripted run, with handoffs, parallel tools and failures: no text is lost."""
    run = await collect(script.run_streamed("hi"))
    shown = await collect(script.run_streamed("hi").pipe(rxo.text_deltas()))
    assert "".join(shown.events) == delta_text(run.events)
    assert type(shown.error) is type(run.error)


@given(timeline=timed(stream_events()))
def test_coalescing_keeps_the_text_and_the_grammar_under_any_timing(
    timeline: list[tuple[float, StreamEvent]],
) -> None:
    """Time-based operators: a TestScheduler plays the drawn timing, no sleeping."""
    m = Marbles()
    source = m.cold_timeline(timeline)
    records = m.start(lambda: source.pipe(rxo.coalesce_text(0.5, scheduler=m.scheduler)))
    out = recorded_values(records)
    events = [event for _, event in timeline]
    assert delta_text(out) == delta_text(events)
    assert_valid_run(records, gaps=True)  # merged deltas keep the later sequence number


@given(timeline=timed(stream_events()))
def test_batches_flatten_back_to_the_stream(timeline: list[tuple[float, Any]]) -> None:
    m = Marbles()
    source = m.cold_timeline(timeline)
    records = m.start(lambda: source.pipe(rxo.batch(3, 1.0, scheduler=m.scheduler)))
    batches = recorded_values(records)
    assert all(1 <= len(b) <= 3 for b in batches)
    assert [e for b in batches for e in b] == [e for _, e in timeline]


@given(chunks=text_chunkings("Hello, world!"))
def test_a_ui_sees_the_same_text_however_the_model_chunks_it(chunks: list[str]) -> None:
    """Marbles for a hand-written stream: one delta per chunk, one frame apart."""
    from rxagents.testing import StreamBuilder

    b = StreamBuilder()
    names = [chr(ord("a") + i) for i in range(len(chunks))]
    values = {"s": b.agent_updated(), **{n: b.delta(c) for n, c in zip(names, chunks, strict=True)}}
    values["z"] = b.completed()
    m = Marbles()
    source = m.cold("s" + "".join(names) + "z|", values)
    records = m.start(lambda: source.pipe(rxo.text_deltas(), ops.scan(lambda acc, d: acc + d, "")))
    assert recorded_values(records)[-1] == "Hello, world!"


@given(events=stream_events(nested=True))
def test_views_of_nested_runs_are_valid_runs(events: list[StreamEvent]) -> None:
    """Agents used as tools: the parent's own events, and every run flattened out."""
    import reactivex

    from rxagents.testing import collect_sync

    top = collect_sync(reactivex.from_iterable(events).pipe(rxo.top_level()))
    assert_valid_run(top, gaps=True)
    assert all(e.type != "nested_run_event" for e in top.events)
    flat = collect_sync(reactivex.from_iterable(events).pipe(rxo.flatten_nested()))
    assert_valid_run(flat, gaps=True)
    assert len(flat.events) == len(events)
