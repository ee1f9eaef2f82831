"""ItemHelpers: the SDK's helpers give the same answers on the same items in both libraries."""

from __future__ import annotations

from typing import Any

import agents
import pytest
from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputRefusal,
    ResponseOutputText,
)

from rxagents import Agent, ItemHelpers, MessageOutputItem, ToolCallItem


def message(*parts: Any) -> ResponseOutputMessage:
    return ResponseOutputMessage(
        id="msg_1", type="message", role="assistant", status="completed", content=list(parts)
    )


def text(value: str) -> ResponseOutputText:
    return ResponseOutputText(type="output_text", text=value, annotations=[])


def refusal(value: str) -> ResponseOutputRefusal:
    return ResponseOutputRefusal(type="refusal", refusal=value)


CALL = ResponseFunctionToolCall(
    type="function_call", call_id="call_1", name="f", arguments="{}", id="fc_1"
)
MESSAGES = [
    message(),
    message(text("Hello, ")),
    message(text("Hello, "), text("world")),
    message(text("first"), refusal("I can't")),
    message(refusal("no"), text("but yes")),
]


@pytest.mark.parametrize("raw", [*MESSAGES, CALL], ids=repr)
def test_extracting_the_last_part(raw: Any) -> None:
    assert ItemHelpers.extract_last_content(raw) == agents.ItemHelpers.extract_last_content(raw)
    assert ItemHelpers.extract_last_text(raw) == agents.ItemHelpers.extract_last_text(raw)


@pytest.mark.parametrize("raw", MESSAGES, ids=repr)
def test_the_text_of_message_items(raw: ResponseOutputMessage) -> None:
    sdk_agent = agents.Agent(name="a")
    ours = MessageOutputItem(agent=Agent("a"), raw_item=raw)
    theirs = agents.MessageOutputItem(agent=sdk_agent, raw_item=raw)
    assert ItemHelpers.text_message_output(ours) == agents.ItemHelpers.text_message_output(theirs)
    our_items = [ours, ToolCallItem(agent=Agent("a"), raw_item=CALL), ours]
    their_items = [theirs, agents.ToolCallItem(agent=sdk_agent, raw_item=CALL), theirs]
    assert ItemHelpers.text_message_outputs(our_items) == agents.ItemHelpers.text_message_outputs(
        their_items
    )


@pytest.mark.parametrize(
    "value",
    ["hi", [{"role": "user", "content": "hi"}, {"type": "function_call_output",
                                               "call_id": "c", "output": "x"}]],
)
def test_input_to_new_input_list(value: Any) -> None:
    ours = ItemHelpers.input_to_new_input_list(value)
    assert ours == agents.ItemHelpers.input_to_new_input_list(value)
    if not isinstance(value, str):
        ours[0]["content"] = "changed"
        assert value[0]["content"] == "hi"  # a new list of new items


@pytest.mark.parametrize("output", ["sunny", 7, 2.5])
def test_tool_call_output_items(output: Any) -> None:
    assert ItemHelpers.tool_call_output_item(CALL, output) == dict(
        agents.ItemHelpers.tool_call_output_item(CALL, output)
    )


@pytest.mark.parametrize(
    ("value", "json"), [({"temp": 21, "sky": "clear"}, '{"temp": 21, "sky": "clear"}'),
                        (True, "true"), (None, "null"), ([1, "a"], '[1, "a"]')]
)
def test_other_tool_outputs_are_json_here(value: Any, json: str) -> None:
    # A documented difference: the SDK sends str(value), Python's repr for a dict.
    assert ItemHelpers.tool_call_output_item(CALL, value)["output"] == json
    assert agents.ItemHelpers.tool_call_output_item(CALL, value)["output"] == str(value)
