"""Requests: the conversation, tools, output schema and settings as each API wants them."""

from __future__ import annotations

import pytest

from rxagents.errors import UserError
from rxagents.model_settings import ModelSettings
from rxagents.models import ModelRequest, OutputSchema, ToolSpec
from rxagents.models._requests import chat_messages, chat_params, responses_params

TOOL = ToolSpec(
    "get_weather", "Weather for a city.", {"type": "object", "properties": {}}, strict=False
)
SCHEMA = OutputSchema(
    "Answer", {"type": "object", "properties": {"x": {"type": "integer"}}}, strict=False
)

# A conversation as the run loop builds it: user text, then a turn with text and two
# parallel calls (output items dumped as dicts), their outputs, and the next answer.
CONVERSATION = [
    {"role": "user", "content": "Weather in Paris and Rome?"},
    {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": "Checking.", "annotations": []}],
    },
    {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": '{"c":"P"}'},
    {"type": "function_call", "call_id": "c2", "name": "get_weather", "arguments": '{"c":"R"}'},
    {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
    {"type": "function_call_output", "call_id": "c2", "output": "rain"},
    {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Sunny; rain.", "annotations": []}],
    },
    {"role": "user", "content": [{"type": "input_text", "text": "Thanks"}]},
]


def test_the_conversation_becomes_chat_messages() -> None:
    request = ModelRequest(instructions="Be brief.", input=CONVERSATION)
    assert chat_messages(request) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"c":"P"}'},
                },
                {
                    "id": "c2",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"c":"R"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "tool", "tool_call_id": "c2", "content": "rain"},
        {"role": "assistant", "content": "Sunny; rain."},
        {"role": "user", "content": "Thanks"},
    ]


def test_a_call_without_text_is_an_assistant_message_with_null_content() -> None:
    request = ModelRequest(instructions=None, input=CONVERSATION[2:3])
    (message,) = chat_messages(request)
    assert message["content"] is None
    assert [c["id"] for c in message["tool_calls"]] == ["c1"]


def test_images_become_image_url_parts() -> None:
    item = {
        "role": "user",
        "content": [
            {"type": "input_text", "text": "What is this?"},
            {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "low"},
        ],
    }
    (message,) = chat_messages(ModelRequest(instructions=None, input=[item]))
    assert message["content"] == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
    ]


def test_items_chat_cannot_express_are_a_user_error() -> None:
    request = ModelRequest(instructions=None, input=[{"type": "web_search_call", "id": "w"}])
    with pytest.raises(UserError, match="input item 0"):
        chat_messages(request)


def test_chat_params_carry_tools_schema_and_settings() -> None:
    settings = ModelSettings(
        temperature=0.2,
        top_p=0.9,
        max_tokens=50,
        seed=7,
        tool_choice="get_weather",
        parallel_tool_calls=False,
    )
    request = ModelRequest(
        instructions=None, input=[], tools=[TOOL], output_schema=SCHEMA, settings=settings
    )
    params = chat_params("m", request)
    assert params["stream"] is True
    assert params["stream_options"] == {"include_usage": True}
    assert params["tools"] == [TOOL.to_chat_tool()]
    assert params["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "Answer", "schema": SCHEMA.schema, "strict": False},
    }
    assert (params["temperature"], params["top_p"], params["max_tokens"], params["seed"]) == (
        0.2,
        0.9,
        50,
        7,
    )
    assert params["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert params["parallel_tool_calls"] is False


def test_tool_settings_are_left_out_without_tools() -> None:
    settings = ModelSettings(tool_choice="required", parallel_tool_calls=True)
    request = ModelRequest(instructions=None, input=[], settings=settings)
    for params in (chat_params("m", request), responses_params("m", request)):
        assert "tool_choice" not in params
        assert "parallel_tool_calls" not in params


def test_responses_params() -> None:
    settings = ModelSettings(max_tokens=20, tool_choice="required", seed=3, temperature=0)
    request = ModelRequest(
        instructions="Hi.",
        input=CONVERSATION,
        tools=[TOOL],
        output_schema=SCHEMA,
        settings=settings,
    )
    params = responses_params("gpt-x", request)
    assert params["input"] == CONVERSATION
    assert params["instructions"] == "Hi."
    assert params["tools"] == [TOOL.to_responses_tool()]
    assert params["text"]["format"]["type"] == "json_schema"
    assert params["text"]["format"]["schema"] == SCHEMA.schema
    assert params["max_output_tokens"] == 20
    assert params["temperature"] == 0
    assert params["tool_choice"] == "required"
    assert params["extra_body"] == {"seed": 3}


def test_both_apis_are_told_which_tools_and_outputs_are_strict() -> None:
    # As the SDK: Chat Completions tools always carry `strict`, true or false.
    strict = ToolSpec("f", "", {"type": "object", "properties": {}})
    output = OutputSchema("final_output", {"type": "object", "properties": {}})
    assert strict.strict is True and output.strict is True  # the defaults
    request = ModelRequest(instructions=None, input=[], tools=[strict, TOOL], output_schema=output)
    first, second = chat_params("m", request)["tools"]
    assert first["function"]["strict"] is True
    assert second["function"]["strict"] is False
    assert [t["strict"] for t in responses_params("m", request)["tools"]] == [True, False]
    assert chat_params("m", request)["response_format"]["json_schema"]["strict"] is True
    assert responses_params("m", request)["text"]["format"]["strict"] is True


def test_a_completed_event_without_newer_usage_counters_still_validates() -> None:
    import json as _json

    from rxagents.models.openai_responses import parse_event

    response = {
        "id": "resp_1",
        "created_at": 0,
        "model": "m",
        "object": "response",
        "output": [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "status": "completed",
        "usage": {
            "input_tokens": 3,
            "output_tokens": 2,
            "total_tokens": 5,
            "input_tokens_details": {"cached_tokens": 1},
        },
    }
    event = parse_event(
        _json.dumps({"type": "response.completed", "sequence_number": 9, "response": response}),
        None,
    )
    assert event is not None and event.type == "response.completed"
    usage = event.response.usage  # type: ignore[union-attr]
    assert usage is not None and usage.total_tokens == 5
    assert usage.input_tokens_details.cached_tokens == 1
    assert usage.output_tokens_details.reasoning_tokens == 0
