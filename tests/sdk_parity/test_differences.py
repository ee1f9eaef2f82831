"""The README's rows of behaviour that differs from the SDK, each shown on both libraries."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import agents
import pytest

import rxagents
from rxagents.testing.openai_fixtures import responses_text, responses_tool_calls
from rxagents.testing.openai_server import FakeOpenAIServer, responses_stream
from tests.sdk_parity.harness import Lib, both


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as running:
        yield running


def tool_turns(name: str, arguments: Any) -> list[Any]:
    return [
        responses_stream(responses_tool_calls([(name, arguments)], call_ids=["c1"])),
        responses_stream(responses_text("Done.")),
    ]


def sent_output(observed: Any) -> str:
    second = observed.requests[1]["input"]
    return next(i["output"] for i in second if i.get("type") == "function_call_output")


async def test_a_call_to_an_unknown_tool(server: FakeOpenAIServer) -> None:
    def build(lib: Lib, model: Any) -> Any:
        return lib.Agent(name="A", instructions="x", model=model)

    theirs, ours = await both(build, "x", server, tool_turns("nope", {}), "responses")
    assert isinstance(theirs.error, agents.ModelBehaviorError)  # the SDK: the run fails
    assert ours.error is None and ours.final_output == "Done."  # rxagents: the model is told
    assert sent_output(ours) == "Error: tool 'nope' does not exist. Available tools: none."


async def test_arguments_that_are_not_valid(server: FakeOpenAIServer) -> None:
    def build(lib: Lib, model: Any) -> Any:
        @lib.function_tool
        def lookup(order: int) -> str:
            """Look an order up."""
            return "found"

        return lib.Agent(name="A", instructions="x", model=model, tools=[lookup])

    theirs, ours = await both(build, "x", server, tool_turns("lookup", '{"order": '), "responses")
    assert sent_output(theirs) == "An error occurred while running the tool. Please try again."
    assert sent_output(ours).startswith("Error: arguments for tool 'lookup' are not valid JSON")
    assert '{"order": ' in sent_output(ours)


async def test_sync_function_tools_run_on_the_event_loop_here(server: FakeOpenAIServer) -> None:
    threads: dict[str, bool] = {}

    def build(lib: Lib, model: Any) -> Any:
        @lib.function_tool
        def where() -> str:
            """Say where it runs."""
            threads[lib.__name__] = threading.current_thread() is threading.main_thread()
            return "here"

        return lib.Agent(name="A", instructions="x", model=model, tools=[where])

    await both(build, "x", server, tool_turns("where", {}), "responses")
    assert threads == {"agents": False, "rxagents": True}


def test_the_default_model_names(monkeypatch: pytest.MonkeyPatch) -> None:
    from agents.models.default_models import get_default_model

    from rxagents.models.provider import DEFAULT_OPENAI_MODEL

    monkeypatch.delenv("OPENAI_DEFAULT_MODEL", raising=False)
    assert get_default_model() == "gpt-5.6-luna"
    assert DEFAULT_OPENAI_MODEL == "gpt-4.1-mini"
    assert rxagents.AgentsException is rxagents.AgentsError
