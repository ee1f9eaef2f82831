"""Chat Completions chunks become the Responses event sequence ScriptedModel emits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat import ChatCompletionChunk

from rxagents.errors import ModelBehaviorError, ModelConnectionError
from rxagents.models._chat_events import ChatToResponses
from rxagents.models.base import ModelRequest
from rxagents.testing import ScriptedModel, text, tool_call
from rxagents.testing.openai_fixtures import chat_chunk, chat_text, chat_tool_calls


def convert(chunks: list[dict[str, Any]], *, saw_done: bool = True) -> list[Any]:
    converter = ChatToResponses("fake-model")
    events: list[Any] = []
    for chunk in chunks:
        events += converter.feed(ChatCompletionChunk.model_validate(chunk))
    return events + converter.finish(saw_done=saw_done)


async def scripted(*steps: Any) -> list[Any]:
    model = ScriptedModel([list(steps)])
    return [e async for e in model.stream(ModelRequest(instructions=None, input=[]))]


def types(events: list[Any]) -> list[str]:
    return [e.type for e in events]


async def test_text_matches_the_scripted_sequence() -> None:
    ours = convert(chat_text("hello world", chunk_size=4))
    theirs = await scripted(text("hello world", chunk_size=4))
    assert types(ours) == types(theirs)
    assert [e.delta for e in ours if e.type == "response.output_text.delta"] == [
        "hell",
        "o wo",
        "rld",
    ]
    done = ours[-1].response
    assert done.status == "completed"
    assert done.output[0].content[0].text == "hello world"
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.total_tokens) == (
        10,
        5,
        15,
    )


@pytest.mark.parametrize("llama_cpp", [False, True])
async def test_parallel_tool_calls_match_the_scripted_sequence(llama_cpp: bool) -> None:
    calls = [("get_weather", {"city": "Paris"}), ("get_time", {"zone": "CET"})]
    ours = convert(chat_tool_calls(calls, chunk_size=5, llama_cpp=llama_cpp))
    theirs = await scripted(*(tool_call(n, a, chunk_size=5) for n, a in calls))
    assert types(ours) == types(theirs)
    done = [e.item for e in ours if e.type == "response.output_item.done"]
    assert [(d.name, json.loads(d.arguments), d.call_id) for d in done] == [
        ("get_weather", {"city": "Paris"}, "call_fake_0"),
        ("get_time", {"zone": "CET"}, "call_fake_1"),
    ]


async def test_text_then_a_tool_call_closes_the_message_first() -> None:
    ours = convert(chat_tool_calls([("lookup", {"q": "x"})], text="Let me check."))
    theirs = await scripted(
        text("Let me check.", chunk_size=4), tool_call("lookup", {"q": "x"}, chunk_size=8)
    )
    assert types(ours) == types(theirs)


@given(
    st.text(min_size=0, max_size=60),
    st.integers(min_value=1, max_value=9),
    st.booleans(),
    st.booleans(),
)
def test_arguments_are_reassembled_whatever_the_split(
    arguments: str, size: int, llama_cpp: bool, with_text: bool
) -> None:
    chunks = chat_tool_calls(
        [("f", arguments), ("g", arguments[::-1])],
        chunk_size=size,
        llama_cpp=llama_cpp,
        text="hi" if with_text else None,
    )
    events = convert(chunks)
    assert [e.sequence_number for e in events] == list(range(len(events)))
    calls = [e.item for e in events if e.type == "response.output_item.done"]
    calls = [c for c in calls if c.type == "function_call"]
    assert [(c.name, c.arguments) for c in calls] == [("f", arguments), ("g", arguments[::-1])]
    for call in calls:
        deltas = [
            e.delta
            for e in events
            if e.type == "response.function_call_arguments.delta" and e.item_id == call.id
        ]
        assert "".join(deltas) == call.arguments


def test_usage_in_a_last_chunk_without_choices_reaches_completed() -> None:
    chunks = [*chat_text("ok", usage=None), chat_chunk(usage=(7, 3), choices=False)]
    assert convert(chunks)[-1].response.usage.output_tokens == 3


def test_no_usage_at_all_completes_without_usage() -> None:
    events = convert(chat_text("ok", usage=None))
    assert events[-1].type == "response.completed"
    assert events[-1].response.usage is None


def test_finish_reason_length_is_an_incomplete_response() -> None:
    events = convert(chat_text("truncat", finish_reason="length"))
    assert events[-1].type == "response.incomplete"
    assert events[-1].response.incomplete_details.reason == "max_output_tokens"
    message = next(e.item for e in events if e.type == "response.output_item.done")
    assert message.status == "incomplete"


def test_a_stream_cut_before_the_finish_is_a_connection_error() -> None:
    chunks = chat_text("hello")[:3]
    with pytest.raises(ModelConnectionError, match="before the model finished"):
        convert(chunks, saw_done=False)


def test_a_tool_call_that_never_names_its_function_is_rejected() -> None:
    nameless = {"tool_calls": [{"index": 0, "id": "c1", "function": {"arguments": "{}"}}]}
    chunks = [chat_chunk(nameless), chat_chunk({}, finish_reason="tool_calls")]
    with pytest.raises(ModelBehaviorError, match="without a function name"):
        convert(chunks)


def test_a_name_arriving_after_the_first_delta_keeps_the_early_arguments() -> None:
    early = {"tool_calls": [{"index": 0, "id": "c1", "function": {"arguments": '{"a"'}}]}
    named = {"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": ": 1}"}}]}
    events = convert([chat_chunk(early), chat_chunk(named), chat_chunk({}, finish_reason="stop")])
    call = next(e.item for e in events if e.type == "response.output_item.done")
    assert (call.name, call.arguments, call.call_id) == ("f", '{"a": 1}', "c1")


def test_text_after_a_tool_call_is_a_new_message_after_the_call() -> None:
    call = {"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "f", "arguments": "{}"}}]}
    chunks = [
        chat_chunk(call),
        chat_chunk({"content": "done"}),
        chat_chunk({}, finish_reason="stop"),
    ]
    events = convert(chunks)
    done = [(e.output_index, e.item.type) for e in events if e.type == "response.output_item.done"]
    assert done == [(0, "function_call"), (1, "message")]
    added = [i for i, e in enumerate(events) if e.type == "response.output_item.added"]
    closed = [i for i, e in enumerate(events) if e.type == "response.output_item.done"]
    assert closed[0] < added[1]


def test_a_refusal_is_a_refusal_content_part() -> None:
    chunks = [
        chat_chunk({"role": "assistant", "content": None, "refusal": ""}),
        chat_chunk({"refusal": "I can't "}),
        chat_chunk({"refusal": "help with that."}),
        chat_chunk({}, finish_reason="stop"),
    ]
    events = convert(chunks)
    assert types(events) == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.refusal.delta",
        "response.refusal.delta",
        "response.refusal.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    (part,) = events[-1].response.output[0].content
    assert (part.type, part.refusal) == ("refusal", "I can't help with that.")


def test_text_then_refusal_are_two_parts_of_one_message() -> None:
    chunks = [
        chat_chunk({"content": "Well"}),
        chat_chunk({"refusal": "no"}),
        chat_chunk({}, finish_reason="stop"),
    ]
    events = convert(chunks)
    indexes = [e.content_index for e in events if e.type == "response.content_part.added"]
    assert indexes == [0, 1]
    message = events[-1].response.output[0]
    assert [p.type for p in message.content] == ["output_text", "refusal"]
