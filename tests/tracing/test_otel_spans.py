"""otel_spans: GenAI spans from run events, read back with the SDK's InMemorySpanExporter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from reactivex import operators as ops

from rxagents import Agent, Runner, function_tool
from rxagents import operators as rxo
from rxagents.errors import ModelConnectionError
from rxagents.testing import ScriptedModel, StreamBuilder, raise_error, text, tool_call
from rxagents.testing.marbles import Marbles
from rxagents.tracing import otel_spans


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    yield InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    p = TracerProvider()
    p.add_span_processor(SimpleSpanProcessor(exporter))
    return p


def by_name(spans: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {s.name: s for s in spans}


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


@function_tool
def get_weather(city: str) -> str:
    """The weather."""
    return f"sunny in {city}"


@function_tool
def broken(city: str) -> str:
    """Fails."""
    raise RuntimeError("down")


def travel() -> Agent[Any]:
    specialist = Agent("specialist", model=ScriptedModel([[text("Enjoy Paris!")]], model="m-2"))
    return Agent(
        "triage",
        tools=[get_weather],
        handoffs=[specialist],
        model=ScriptedModel(
            [
                [tool_call("get_weather", {"city": "Paris"}, call_id="c1")],
                [tool_call("transfer_to_specialist", {})],
            ],
            model="m-1",
        ),
    )


async def test_agents_model_calls_and_tools_become_parented_genai_spans(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    plain = [(e.type, e.sequence_number) async for e in Runner.run_streamed(travel(), "hi")]
    events = [
        e async for e in rxo.aiter(Runner.run_streamed(travel(), "hi").pipe(otel_spans(provider)))
    ]
    assert [(e.type, e.sequence_number) for e in events] == plain  # passed through unchanged
    assert events[-1].type == "run_completed_stream_event"
    spans = exporter.get_finished_spans()
    names = sorted(s.name for s in spans)
    assert names == sorted(
        [
            "invoke_agent triage",
            "chat m-1",
            "execute_tool get_weather",
            "chat m-1",
            "invoke_agent specialist",
            "chat m-2",
        ]
    )
    agents = {s.name: s for s in spans if s.name.startswith("invoke_agent")}
    triage, specialist = agents["invoke_agent triage"], agents["invoke_agent specialist"]
    assert parent_of(triage) is None and parent_of(specialist) is None  # a handoff: a new one
    assert triage.end_time is not None and specialist.start_time is not None
    assert triage.end_time <= specialist.start_time
    assert triage.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert triage.attributes["gen_ai.agent.name"] == "triage"
    tool = by_name(spans)["execute_tool get_weather"]
    assert parent_of(tool) == triage.context.span_id
    assert dict(tool.attributes) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": "c1",
        "gen_ai.tool.type": "function",
    }
    chats = [s for s in spans if s.name == "chat m-1"]
    assert all(parent_of(c) == triage.context.span_id for c in chats)
    chat = chats[0]
    assert chat.attributes["gen_ai.operation.name"] == "chat"
    assert chat.attributes["gen_ai.request.model"] == "m-1"
    assert str(chat.attributes["gen_ai.response.id"]).startswith("resp_")
    assert chat.attributes["gen_ai.response.finish_reasons"] == ("tool_calls",)
    assert chat.attributes["gen_ai.usage.output_tokens"] >= 1
    assert chat.attributes["gen_ai.usage.input_tokens"] >= 1
    last = by_name(spans)["chat m-2"]
    assert last.attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert "gen_ai.output.messages" not in last.attributes  # no content unless asked
    assert all(s.status.status_code is StatusCode.UNSET for s in spans)


async def test_content_is_recorded_only_when_asked(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    stream = Runner.run_streamed(travel(), "hi").pipe(otel_spans(provider, capture_content=True))
    [e async for e in rxo.aiter(stream)]
    spans = by_name(exporter.get_finished_spans())
    tool = spans["execute_tool get_weather"]
    assert tool.attributes["gen_ai.tool.call.arguments"] == '{"city": "Paris"}'
    assert tool.attributes["gen_ai.tool.call.result"] == "sunny in Paris"
    assert "Enjoy Paris!" in str(spans["chat m-2"].attributes["gen_ai.output.messages"])


async def test_an_agent_used_as_a_tool_gets_child_spans_under_its_tool_call(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    helper = Agent("helper", model=ScriptedModel([[text("42")]], model="m-h"))
    boss = Agent(
        "boss",
        tools=[helper.as_tool()],
        model=ScriptedModel([[tool_call("helper", {"input": "q"}, call_id="h1")], [text("ok")]]),
    )
    [e async for e in rxo.aiter(Runner.run_streamed(boss, "hi").pipe(otel_spans(provider)))]
    spans = by_name(exporter.get_finished_spans())
    tool, sub = spans["execute_tool helper"], spans["invoke_agent helper"]
    assert parent_of(sub) == tool.context.span_id
    assert parent_of(spans["chat m-h"]) == sub.context.span_id
    assert parent_of(tool) == spans["invoke_agent boss"].context.span_id
    assert tool.start_time <= sub.start_time and sub.end_time <= tool.end_time


async def test_errors_set_status_error_with_error_type(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    agent = Agent(
        "a",
        tools=[broken],
        model=ScriptedModel(
            [
                [tool_call("broken", {"city": "x"})],
                [text("partial"), raise_error(ModelConnectionError("dropped"))],
            ]
        ),
    )
    with pytest.raises(ModelConnectionError):
        [e async for e in rxo.aiter(Runner.run_streamed(agent, "hi").pipe(otel_spans(provider)))]
    spans = exporter.get_finished_spans()
    tool = by_name(spans)["execute_tool broken"]
    assert (
        tool.status.status_code is StatusCode.ERROR
        and tool.attributes["error.type"] == "tool_error"
    )
    open_at_error = [s for s in spans if s.attributes.get("error.type") == "ModelConnectionError"]
    assert sorted(s.name for s in open_at_error) == ["chat scripted", "invoke_agent a"]
    assert all(s.status.status_code is StatusCode.ERROR for s in open_at_error)


async def test_cancelling_the_run_ends_the_open_spans(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    agent = Agent("a", model=ScriptedModel([[text("a long answer", chunk_size=1)]]))
    stream = Runner.run_streamed(agent, "hi").pipe(otel_spans(provider), ops.take(4))
    [e async for e in rxo.aiter(stream)]
    spans = exporter.get_finished_spans()
    assert sorted(s.name for s in spans) == ["chat scripted", "invoke_agent a"]
    assert all(s.attributes.get("rxagents.cancelled") is True for s in spans)


def test_span_times_are_the_moments_the_events_pass(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    m = Marbles()
    b = StreamBuilder(agent="a")
    start, created = b.agent_updated(), b.response_created()
    called = b.tool_called("lookup", {"q": 1}, call_id="c9")
    output = b.tool_output("c9", "found")
    completed, done = b.response_completed(), b.completed()
    timeline = [
        (1, start),
        (2, created),
        *[(3, e) for e in called],
        (5, output),
        (6, completed),
        (8, done),
    ]
    records = m.start(
        lambda: m.cold_timeline(timeline).pipe(otel_spans(provider, scheduler=m.scheduler))
    )
    assert [r.value.value for r in records if r.value.kind == "N"] == [e for _, e in timeline]
    s = {x.name.split(" ")[0]: (x.start_time, x.end_time) for x in exporter.get_finished_spans()}
    second = 1_000_000_000
    assert s["invoke_agent"] == (201 * second, 208 * second)
    assert s["chat"] == (202 * second, 206 * second)
    assert s["execute_tool"] == (203 * second, 205 * second)


async def test_agent_spans_start_under_the_span_current_at_subscription(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span("request") as request:
        stream = Runner.run_streamed(travel(), "hi").pipe(otel_spans(provider))
        [e async for e in rxo.aiter(stream)]
    spans = exporter.get_finished_spans()
    agents = [s for s in spans if s.name.startswith("invoke_agent")]
    assert len(agents) == 2
    assert all(parent_of(s) == request.get_span_context().span_id for s in agents)
