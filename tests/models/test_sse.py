"""The SSE decoder: payloads do not depend on how the network split the bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rxagents.errors import ModelBehaviorError
from rxagents.models._sse import SSEDecoder, _event_and_data, _parse_block

payloads = st.lists(
    st.text(alphabet=st.characters(blacklist_characters="\r\n"), min_size=1, max_size=30),
    min_size=1,
    max_size=20,
)


def _decode(reads: list[str]) -> list[str]:
    decoder = SSEDecoder()
    out: list[str] = []
    for read in reads:
        out += decoder.feed(read)
    return out + decoder.close()


def _split(body: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(body) + 1) for c in cuts})
    pieces, last = [], 0
    for point in points:
        pieces.append(body[last:point])
        last = point
    pieces.append(body[last:])
    return pieces


@given(payloads, st.lists(st.integers(min_value=0), max_size=12), st.booleans())
def test_any_split_of_the_body_gives_the_same_payloads(
    data: list[str], cuts: list[int], crlf: bool
) -> None:
    newline = "\r\n" if crlf else "\n"
    body = "".join(f"event: x{newline}data: {d}{newline}{newline}" for d in data)
    assert _decode(_split(body, cuts)) == data


# Lines of any field (with and without the space), comments and empty lines.
sse_lines = st.lists(
    st.tuples(
        st.sampled_from(["event: ", "data: ", "data:", "id: ", ": ", "event:", ""]),
        st.text(alphabet=st.characters(blacklist_characters="\r\n"), max_size=8),
    ).map("".join),
    min_size=1,
    max_size=4,
)


@given(sse_lines)
def test_the_event_and_data_fast_path_equals_the_full_parse(lines: list[str]) -> None:
    block = "\n".join(["event: x", *lines])
    fast = _event_and_data(block)
    if fast is not None:
        assert fast == _parse_block(block)


def test_the_responses_framing_takes_the_fast_path() -> None:
    assert _event_and_data('event: response.output_text.delta\ndata: {"a":1}') == '{"a":1}'
    assert _event_and_data("event: x\ndata: a\ndata: b") is None  # two data lines
    assert _event_and_data("event: x\ndata:a") is None  # no space: the full parse
    assert _decode(["event: x\ndata: a\n\nevent: y\ndata:b\n\n"]) == ["a", "b"]


def test_comments_ids_and_multiline_data() -> None:
    body = ": keep-alive\n\nid: 7\nretry: 10\ndata: first\ndata: second\n\ndata:tight\n\n"
    assert _decode([body]) == ["first\nsecond", "tight"]


def test_a_last_event_without_its_blank_line_is_dropped_as_truncated() -> None:
    # The SSE standard drops an event the stream ended inside; the caller is told.
    decoder = SSEDecoder()
    assert decoder.feed("data: a\n\ndata: b") == ["a"]
    assert decoder.close() == [] and decoder.truncated


def test_a_last_done_without_its_blank_line_is_kept() -> None:
    decoder = SSEDecoder()
    assert decoder.feed("data: a\n\ndata: [DONE]\n") == ["a"]
    assert decoder.close() == ["[DONE]"] and not decoder.truncated


def test_a_stream_ending_on_a_comment_is_not_truncated() -> None:
    decoder = SSEDecoder()
    assert decoder.feed("data: a\n\n: keep-alive") == ["a"]
    assert decoder.close() == [] and not decoder.truncated


def test_a_json_body_is_not_an_event_stream() -> None:
    with pytest.raises(ModelBehaviorError, match="not a server-sent event"):
        _decode(['{"id": "chatcmpl-1", "choices": []}\n\n'])
