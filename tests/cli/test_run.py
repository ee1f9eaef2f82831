"""`rxagents run`: JSON lines, plain output, models by flag, and clear errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rxagents.cli import app
from rxagents.errors import UserError
from rxagents.events import RunCompletedStreamEvent, RunItemStreamEvent, stream_event_adapter

AGENT_FILE = textwrap.dedent(
    '''
    from rxagents import Agent, function_tool
    from rxagents.errors import ModelConnectionError
    from rxagents.testing import ScriptedModel, raise_error, text, tool_call

    @function_tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    agent = Agent(
        "calculator",
        model=ScriptedModel(
            [[tool_call("add", {"a": 2, "b": 3})], [text("2 + 3 = 5", chunk_size=3)]]
        ),
        tools=[add],
    )

    broken = Agent("broken", model=ScriptedModel([[raise_error(ModelConnectionError("line cut"))]]))

    named = Agent("named", model="fake-model")
    '''
)


@pytest.fixture
def agent_file(tmp_path: Path) -> Path:
    path = tmp_path / "calc_agent.py"
    path.write_text(AGENT_FILE)
    return path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_prints_one_parsable_event_per_line(agent_file: Path) -> None:
    code, out, err = invoke("run", "what is 2+3?", "--agent", f"{agent_file}:agent", "--json")
    assert code == 0, err
    events = [stream_event_adapter.validate_json(line) for line in out.splitlines()]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert len({e.run_id for e in events}) == 1
    assert events[0].type == "agent_updated_stream_event"
    last = events[-1]
    assert isinstance(last, RunCompletedStreamEvent)
    assert last.result.final_output == "2 + 3 = 5"
    outputs = [
        e.item for e in events if isinstance(e, RunItemStreamEvent) and e.name == "tool_output"
    ]
    assert [o.output for o in outputs] == [5]
    # every line is plain JSON, ready for jq
    assert all(json.loads(line)["type"] for line in out.splitlines())


def test_without_a_terminal_the_run_prints_plain_lines(agent_file: Path) -> None:
    code, out, err = invoke("run", "what is 2+3?", "--agent", f"{agent_file}:agent")
    assert code == 0, err
    assert "\x1b" not in out
    assert out.splitlines() == [
        "── calculator (scripted)",
        '→ add({"a": 2, "b": 3})',
        "← 5",
        "2 + 3 = 5",
        "── done (4 tokens out)",
    ]


def test_a_bad_agent_path_is_one_clear_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.py"
    code, out, err = invoke("run", "hi", "--agent", f"{missing}:agent")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: agent file ")
    assert "does not exist" in err and "Traceback" not in err


def test_a_missing_variable_names_the_agents_that_exist(agent_file: Path) -> None:
    code, _, err = invoke("run", "hi", "--agent", f"{agent_file}:agnet")
    assert code == 2
    assert "defines no variable 'agnet'" in err and "agent, broken, named" in err


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "hi", "--agent", f"{tmp_path}/x.py:a", "--debug"])
    assert result.exit_code != 0
    assert isinstance(result.exception, UserError)


def test_a_failing_model_exits_1_with_its_message(agent_file: Path) -> None:
    code, _, err = invoke("run", "hi", "--agent", f"{agent_file}:broken")
    assert code == 1
    assert err == "error: line cut\n"


def test_model_and_base_url_reach_an_openai_compatible_server(agent_file: Path) -> None:
    from rxagents.testing.openai_fixtures import responses_text
    from rxagents.testing.openai_server import FakeOpenAIServer, responses_stream

    with FakeOpenAIServer() as server:
        server.enqueue(responses_stream(responses_text("served over HTTP", model="my-model")))
        code, out, err = invoke(
            "run", "hello", "--model", "my-model", "--base-url", server.base_url, "--json"
        )
        requests = list(server.requests)
    assert code == 0, err
    events = [stream_event_adapter.validate_json(line) for line in out.splitlines()]
    last = events[-1]
    assert isinstance(last, RunCompletedStreamEvent)
    assert last.result.final_output == "served over HTTP"
    (request,) = requests
    assert request.path == "/v1/responses"
    assert request.body["model"] == "my-model"
    assert "hello" in json.dumps(request.body["input"])


def test_an_unreachable_server_is_a_clear_error() -> None:
    code, _, err = invoke("run", "hi", "--base-url", "http://127.0.0.1:9/v1", "--model", "m")
    assert code == 1
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "127.0.0.1:9" in err


def test_api_chat_speaks_chat_completions(agent_file: Path) -> None:
    from rxagents.testing.openai_fixtures import chat_text
    from rxagents.testing.openai_server import FakeOpenAIServer, chat_stream

    with FakeOpenAIServer() as server:
        server.enqueue(chat_stream(chat_text("a chat answer")))
        code, out, err = invoke("run", "hello", "--api", "chat", "--base-url", server.base_url)
        requests = list(server.requests)
    assert code == 0, err
    assert "a chat answer" in out
    assert [r.path for r in requests] == ["/v1/chat/completions"]


def test_an_unknown_api_is_a_usage_error() -> None:
    code, _, err = invoke("run", "hi", "--api", "soap")
    assert code == 2
    assert err.startswith("error: unknown API 'soap'")


def test_json_lines_keep_the_openai_wire_names_and_validate_back(agent_file: Path) -> None:
    """A structured-output response carries ``text.format.schema`` (``schema_`` in
    Python): dumped by field name it could not be validated back."""
    from rxagents.testing.openai_fixtures import responses_text
    from rxagents.testing.openai_server import FakeOpenAIServer, responses_stream

    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    events = responses_text('{"city": "Rome"}', model="my-model")
    fmt = {"type": "json_schema", "name": "Trip", "schema": schema, "strict": True}
    for event in events:
        if "response" in event:
            event["response"]["text"] = {"format": fmt}
    with FakeOpenAIServer() as server:
        server.enqueue(responses_stream(events))
        code, out, err = invoke(
            "run", "hello", "--model", "my-model", "--base-url", server.base_url, "--json"
        )
    assert code == 0, err
    first_raw = next(line for line in out.splitlines() if '"response.created"' in line)
    assert '"schema":' in first_raw and '"schema_"' not in first_raw
    created = stream_event_adapter.validate_json(first_raw)
    assert created.data.response.text.format.schema_ == schema  # type: ignore[union-attr]


def test_max_tokens_caps_each_model_answer() -> None:
    from rxagents.testing.openai_fixtures import chat_text
    from rxagents.testing.openai_server import FakeOpenAIServer, chat_stream

    with FakeOpenAIServer() as server:
        server.enqueue(chat_stream(chat_text("short")))
        args = ("run", "hi", "--api", "chat", "--base-url", server.base_url, "--max-tokens", "7")
        code, _, err = invoke(*args)
        requests = list(server.requests)
    assert code == 0, err
    assert requests[0].body["max_tokens"] == 7


def test_version() -> None:
    from importlib.metadata import version

    code, out, _ = invoke("--version")
    assert (code, out) == (0, f"rxagents {version('rxagents')}\n")


@pytest.mark.parametrize("command", [[], ["run"], ["demo"], ["serve"], ["install-local"]])
def test_flags_show_no_type_in_help(command: list[str]) -> None:
    code, out, _ = invoke(*command, "--help")
    assert code == 0
    assert "--help" in out and "<bool>" not in out
    if command == ["run"]:
        assert "--max-turns" in out and "<int>" in out  # options with values keep their type


GATED_AGENT = textwrap.dedent(
    '''
    import asyncio
    from pathlib import Path

    from rxagents import Agent, function_tool
    from rxagents.testing import ScriptedModel, text, tool_call

    GATE = Path(__file__).with_name("gate")

    @function_tool
    async def wait_for_gate() -> str:
        """Returns once the test opens the gate."""
        while not GATE.exists():
            await asyncio.sleep(0.02)
        return "open"

    agent = Agent(
        "gated",
        model=ScriptedModel([
            [text("first words, ", chunk_size=4), tool_call("wait_for_gate")],
            [text("then the rest.", chunk_size=4)],
        ]),
        tools=[wait_for_gate],
    )
    '''
)


def test_piped_run_writes_text_as_it_arrives(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "gated.py").write_text(GATED_AGENT)
    rxagents = Path(sys.executable).parent / "rxagents"
    child = subprocess.Popen(
        [str(rxagents), "run", "hi", "--agent", f"{tmp_path / 'gated.py'}:agent"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        seen = ""
        while "first words, " not in seen:  # the run is blocked in its tool meanwhile
            chunk = child.stdout.readline()
            assert chunk, f"the output ended early: {seen!r}"
            seen += chunk
        assert child.poll() is None  # the text came out before the run could finish
        (tmp_path / "gate").touch()
        rest, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0, err
    assert "then the rest." in rest and "── done" in rest
