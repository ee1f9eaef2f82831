"""ResponseBuilder: the one place Responses stream events are built, and what it guarantees."""

from __future__ import annotations

import ast
import doctest
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.responses import ResponseReasoningItem, ResponseStreamEvent

import rxagents
import rxagents.models.response_builder as response_builder
from rxagents.errors import UserError
from rxagents.models import ResponseBuilder, response_usage

PACKAGE = Path(rxagents.__file__).parent
BUILDER_MODULES = {PACKAGE / "models" / "response_builder.py", PACKAGE / "models" / "_items.py"}


def test_the_module_example_runs() -> None:
    result = doctest.testmod(response_builder, raise_on_error=False)
    assert result.attempted > 0
    assert result.failed == 0


def test_no_other_module_builds_responses_events() -> None:
    # A fifth hand-written builder is what this module replaced: calls to an openai
    # ``Response...Event`` constructor belong in the builder alone.
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in BUILDER_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
                if name.startswith("Response") and name.endswith("Event"):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}")
    assert offenders == []


# One operation of a provider on the builder.
operations = st.lists(
    st.one_of(
        st.tuples(st.just("text"), st.text(max_size=4)),
        st.tuples(st.just("refusal"), st.text(min_size=1, max_size=4)),
        st.tuples(st.just("message"), st.none()),
        st.tuples(st.just("call"), st.sampled_from(["lookup", "transfer_to_b"])),
        st.tuples(st.just("arguments"), st.sampled_from(['{"a":', "1}", ""])),
        st.tuples(st.just("reasoning"), st.none()),
        st.tuples(st.just("close"), st.none()),
    ),
    max_size=20,
)


def play(ops: list[tuple[str, Any]], end: str) -> tuple[ResponseBuilder, list[ResponseStreamEvent]]:
    b = ResponseBuilder("toy", response_id="resp_t", created_at=0.0)
    events = b.start()
    in_call = False
    for op, value in ops:
        if op == "text":
            events += b.text(value)
        elif op == "refusal":
            events += b.refusal(value)
        elif op == "message":
            events += b.open_message()
        elif op == "call":
            events += b.open_function_call(value)
        elif op == "arguments" and in_call:
            events.append(b.arguments(value))
        elif op == "reasoning":
            events += b.add_item(ResponseReasoningItem(id="rs_1", summary=[], type="reasoning"))
        elif op == "close":
            events += b.close_item()
        in_call = b.open_item_id is not None and b.open_item_id.startswith("fc_")
    if end == "complete":
        events += b.complete(response_usage(3, 4))
    else:
        events += b.incomplete("max_output_tokens", response_usage(3, 4))
    return b, events


@given(operations, st.sampled_from(["complete", "incomplete"]))
def test_any_use_gives_a_well_formed_response(ops: list[tuple[str, Any]], end: str) -> None:
    b, events = play(ops, end)
    types = [e.type for e in events]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-1] == {"complete": "response.completed", "incomplete": "response.incomplete"}[end]
    assert types.count("response.output_item.added") == types.count("response.output_item.done")
    # Items stream one after another: between an item's added and done, only its events.
    open_index: int | None = None
    done_items = []
    texts: dict[tuple[int, int], list[str]] = {}
    for event in events[2:-1]:
        index = getattr(event, "output_index", None)
        if event.type == "response.output_item.added":
            assert open_index is None
            assert index == len(done_items)
            open_index = index
            continue
        assert index == open_index
        if event.type in ("response.output_text.delta", "response.refusal.delta"):
            texts.setdefault((event.output_index, event.content_index), []).append(event.delta)  # type: ignore[union-attr]
        elif event.type == "response.output_text.done":
            assert event.text == "".join(texts.get((index, event.content_index), []))
        elif event.type == "response.refusal.done":
            assert event.refusal == "".join(texts[(index, event.content_index)])
        elif event.type == "response.output_item.done":
            done_items.append(event.item)
            open_index = None
    final = events[-1].response  # type: ignore[union-attr]
    assert final.output == done_items == b.output
    assert final.usage is not None and final.usage.total_tokens == 7
    if end == "incomplete":
        assert final.incomplete_details is not None
        assert final.incomplete_details.reason == "max_output_tokens"


def test_a_provider_talks_in_wire_terms_and_gets_the_documented_sequence() -> None:
    b = ResponseBuilder("toy", response_id="resp_1", created_at=0.0)
    events = [*b.start(), *b.text("Hel"), *b.text("lo")]
    events += b.open_function_call("lookup", call_id="call_9")
    events += [b.arguments('{"q":'), b.arguments('"x"}')]
    events += b.incomplete("max_output_tokens")
    assert [e.type.removeprefix("response.") for e in events] == [
        "created",
        "in_progress",
        "output_item.added",
        "content_part.added",
        "output_text.delta",
        "output_text.delta",
        "output_text.done",
        "content_part.done",
        "output_item.done",
        "output_item.added",
        "function_call_arguments.delta",
        "function_call_arguments.delta",
        "function_call_arguments.done",
        "output_item.done",
        "incomplete",
    ]
    message, call = b.output
    assert (message.id, message.status, message.content[0].text) == (
        "msg_1_0",
        "completed",
        "Hello",
    )  # type: ignore[union-attr]
    # The call was still streaming when the response stopped early.
    assert (call.id, call.call_id, call.arguments, call.status) == (  # type: ignore[union-attr]
        "fc_1_1",
        "call_9",
        '{"q":"x"}',
        "incomplete",
    )


def test_a_switch_between_text_and_refusal_opens_the_next_content_part() -> None:
    b = ResponseBuilder("toy", response_id="resp_1", created_at=0.0)
    events = [*b.start(), *b.text("a"), *b.refusal("no"), *b.text("b"), *b.complete()]
    added = [e for e in events if e.type == "response.content_part.added"]
    assert [(e.content_index, e.part.type) for e in added] == [  # type: ignore[union-attr]
        (0, "output_text"),
        (1, "refusal"),
        (2, "output_text"),
    ]
    (message,) = b.output
    assert [p.type for p in message.content] == ["output_text", "refusal", "output_text"]  # type: ignore[union-attr]


def test_the_fast_text_delta_equals_a_validated_one() -> None:
    from openai.types.responses import ResponseTextDeltaEvent

    b = ResponseBuilder("toy", response_id="resp_1", created_at=0.0)
    b.start()
    b.text("a")
    fast = b.text_delta("bc")
    validated = ResponseTextDeltaEvent.model_validate(fast.model_dump())
    assert fast == validated
    assert fast.model_copy(update={"delta": "x"}).delta == "x"


def test_misuse_is_a_user_error() -> None:
    b = ResponseBuilder("toy")
    with pytest.raises(UserError, match=r"text\(\)"):
        b.text_delta("x")
    with pytest.raises(UserError, match="open_function_call"):
        b.arguments("{}")
    b.open_function_call("f")
    with pytest.raises(UserError, match=r"text\(\)"):
        b.text_delta("x")
