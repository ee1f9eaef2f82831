"""Text-only chunks skip validation: the events must be exactly those of full validation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat import ChatCompletionChunk
from pydantic import ValidationError

from rxagents.errors import ModelBehaviorError
from rxagents.models._chat_events import ChatToResponses
from rxagents.testing.openai_fixtures import chat_chunk, chat_text, chat_tool_calls


def validated(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    converter = ChatToResponses("fake-model")
    events: list[Any] = []
    for chunk in chunks:
        events += converter.feed(ChatCompletionChunk.model_validate(chunk))
    return [e.model_dump() for e in events + converter.finish(saw_done=True)]


def from_payloads(chunks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    converter = ChatToResponses("fake-model")
    events: list[Any] = []
    for chunk in chunks:
        events += converter.feed_payload(json.dumps(chunk))
    return [e.model_dump() for e in events + converter.finish(saw_done=True)]


# A chunk of any kind the converter meets: text (often the fast path), refusal,
# role-only, empty, text with extra fields, a tool-call piece, usage-only.
delta_chunks = st.one_of(
    st.text(min_size=0, max_size=6).map(lambda t: chat_chunk({"content": t})),
    st.text(min_size=1, max_size=6).map(lambda t: chat_chunk({"refusal": t})),
    st.just(chat_chunk({"role": "assistant", "content": None})),
    st.just(chat_chunk({})),
    st.text(min_size=1, max_size=6).map(
        lambda t: chat_chunk({"content": t, "role": "assistant", "reasoning_content": None})
    ),
    st.builds(
        lambda i, args: chat_chunk(
            {
                "tool_calls": [
                    {
                        "index": i,
                        "id": f"call_{i}",
                        "type": "function",
                        "function": {"name": f"tool{i}", "arguments": args},
                    }
                ]
            }
        ),
        st.integers(0, 2),
        st.sampled_from(["", '{"a":', "1}"]),
    ),
)


@given(st.lists(delta_chunks, max_size=25), st.sampled_from(["stop", "length", "tool_calls"]))
def test_payloads_give_the_events_of_validated_chunks(
    middle: list[dict[str, Any]], finish: str
) -> None:
    chunks = [chat_chunk({"role": "assistant", "content": ""}), *middle]
    chunks.append(chat_chunk({}, finish_reason=finish))
    chunks.append(chat_chunk(usage=(3, 4), choices=False))
    try:
        expected = validated(chunks)
    except ModelBehaviorError as exc:  # e.g. a call never named: the same error both ways
        with pytest.raises(type(exc)):
            from_payloads(chunks)
        return
    assert from_payloads(chunks) == expected


@pytest.mark.parametrize(
    "chunks",
    [
        chat_text("hello world, streamed in small pieces", chunk_size=3),
        chat_text("llama", chunk_size=2, llama_cpp=True),
        chat_tool_calls([("lookup", '{"city": "Paris"}')], text="Let me check."),
    ],
)
def test_recorded_shapes_match(chunks: list[dict[str, Any]]) -> None:
    assert from_payloads(chunks) == validated(chunks)


def test_text_deltas_built_without_validation_behave_like_validated_ones() -> None:
    converter = ChatToResponses("fake-model")
    for chunk in chat_text("abcdef", chunk_size=3)[:2]:
        converter.feed_payload(json.dumps(chunk))
    (fast,) = converter.feed_payload(json.dumps(chat_chunk({"content": "ghi"})))
    assert type(fast).__name__ == "ResponseTextDeltaEvent"
    assert fast == type(fast).model_validate(fast.model_dump())
    copied = fast.model_copy(update={"delta": "xyz"})  # coalesce_text copies deltas this way
    assert copied.delta == "xyz" and fast.delta == "ghi"
    fast.extra_field = 1  # type: ignore[attr-defined]  # openai models allow extras: per instance
    (other,) = converter.feed_payload(json.dumps(chat_chunk({"content": "jkl"})))
    assert not hasattr(other, "extra_field")


@pytest.mark.parametrize(
    ("payload", "error"),
    [("not json", ValueError), ('{"choices": "nope"}', ValidationError), ("", ValueError)],
)
def test_bad_payloads_raise_for_the_model_to_report(payload: str, error: type[Exception]) -> None:
    converter = ChatToResponses("fake-model")
    with pytest.raises(error):
        converter.feed_payload(payload)


def _text_chunk(**changes: Any) -> dict[str, Any]:
    chunk = chat_chunk({"content": "x"})
    choice = chunk["choices"][0]
    for key, value in changes.items():
        where, _, name = key.partition("__")
        target = chunk if where == "chunk" else choice if where == "choice" else choice["delta"]
        if value is _DROP:
            target.pop(name)
        else:
            target[name] = value
    return chunk


_DROP = object()


@pytest.mark.parametrize(
    "changes",
    [
        {"chunk__id": _DROP},
        {"chunk__model": _DROP},
        {"chunk__created": _DROP},
        {"chunk__object": "chat.completion"},
        {"delta__role": "bogus"},
        {"delta__tool_calls": {}},
        {"delta__refusal": 0},
        {"delta__function_call": {"name": "f", "arguments": "{}"}},
        {"choice__index": False},
        {"choice__logprobs": "bad"},
        {"choice__delta": _DROP},
    ],
    ids=lambda changes: ",".join(changes),
)
def test_a_malformed_text_chunk_is_judged_as_full_validation_judges_it(
    changes: dict[str, Any],
) -> None:
    """The fast path takes only chunks validation would accept as they are."""
    opening = chat_text("ab", chunk_size=1)[:2]  # the role chunk and one text chunk
    chunks = [*opening, _text_chunk(**changes)]
    try:
        expected = validated(chunks)
    except (ValidationError, ModelBehaviorError) as exc:
        with pytest.raises(type(exc)):
            from_payloads(chunks)
        return
    assert from_payloads(chunks) == expected
