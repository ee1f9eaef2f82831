"""Tool failures the SDK way: the model gets a fixed sentence, the developer the exception."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from rxagents import Agent, RunContext, Runner, ToolCallOutputItem, function_tool
from rxagents.errors import ToolExecutionError, UserError
from rxagents.testing import ScriptedModel, text, tool_call
from rxagents.tools import TOOL_ERROR_TEXT, default_tool_error_function

SECRET = "password=hunter2"


def failing_model() -> ScriptedModel:
    return ScriptedModel([[tool_call("lookup", {"order": 7}, call_id="c1")], [text("Sorry.")]])


def sent_output(model: ScriptedModel) -> Any:
    """The function_call_output the model was sent for call c1."""
    second = model.requests[1].input
    return next(i["output"] for i in second if i.get("type") == "function_call_output")


def make_tool(**options: Any) -> Any:
    @function_tool(**options)
    def lookup(order: int) -> str:
        """Look an order up."""
        raise RuntimeError(f"database down; {SECRET}")

    return lookup


async def test_by_default_the_model_gets_the_sdks_sentence_and_the_item_the_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = failing_model()
    agent = Agent("a", model=model, tools=[make_tool()])
    with caplog.at_level(logging.WARNING, logger="rxagents.tools"):
        result = await Runner.run(agent, "Order 7?")
    assert sent_output(model) == TOOL_ERROR_TEXT
    assert TOOL_ERROR_TEXT == "An error occurred while running the tool. Please try again."
    assert SECRET not in str([r.input for r in model.requests])
    item = next(i for i in result.new_items if isinstance(i, ToolCallOutputItem))
    assert item.is_error and item.output == TOOL_ERROR_TEXT
    assert isinstance(item.error, RuntimeError) and SECRET in str(item.error)
    assert SECRET not in item.model_dump_json()  # the exception stays in-process
    assert result.final_output == "Sorry."
    (record,) = caplog.records
    assert "'lookup'" in record.getMessage() and "RuntimeError" in record.getMessage()
    assert record.exc_info is not None and record.exc_info[1] is item.error


@pytest.mark.parametrize("is_async", [False, True])
async def test_a_failure_error_function_chooses_what_the_model_is_told(is_async: bool) -> None:
    seen: list[tuple[Any, Exception]] = []

    def describe(ctx: RunContext[Any], error: Exception) -> str:
        seen.append((ctx.context, error))
        return f"lookup failed ({type(error).__name__}); try again later"

    async def describe_async(ctx: RunContext[Any], error: Exception) -> str:
        return describe(ctx, error)

    model = failing_model()
    tool = make_tool(failure_error_function=describe_async if is_async else describe)
    await Runner.run(Agent("a", model=model, tools=[tool]), "x", context={"user": 1})
    assert sent_output(model) == "lookup failed (RuntimeError); try again later"
    assert seen[0][0] == {"user": 1} and isinstance(seen[0][1], RuntimeError)


async def test_failure_error_function_none_fails_the_run_with_the_exception() -> None:
    model = failing_model()
    agent = Agent("a", model=model, tools=[make_tool(failure_error_function=None)])
    with pytest.raises(ToolExecutionError, match="'lookup'") as caught:
        await Runner.run(agent, "x")
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert len(model.requests) == 1


async def test_arguments_the_model_got_wrong_are_explained_to_it() -> None:
    model = ScriptedModel([[tool_call("lookup", {"order": "seven"}, call_id="c1")], [text("ok")]])
    await Runner.run(Agent("a", model=model, tools=[make_tool()]), "x")
    output = sent_output(model)
    assert output.startswith("Error: invalid arguments for tool 'lookup': order:")
    assert default_tool_error_function(RunContext(None), RuntimeError("x")) == TOOL_ERROR_TEXT


async def test_a_failure_error_function_that_raises_is_a_usage_error() -> None:
    def broken(ctx: RunContext[Any], error: Exception) -> str:
        raise KeyError("oops")

    agent = Agent("a", model=failing_model(), tools=[make_tool(failure_error_function=broken)])
    with pytest.raises(UserError, match="failure_error_function of tool 'lookup' raised KeyError"):
        await Runner.run(agent, "x")
