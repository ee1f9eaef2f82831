"""The example agent file the README points at, through the CLI and the web backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rxagents import Agent
from rxagents.cli import app
from rxagents.cli._agent_loader import load_agent, load_agent_source
from rxagents.errors import UserError
from rxagents.web.backend import InMemoryRunBackend

TRAVEL = Path(__file__).resolve().parents[2] / "examples" / "travel.py"


def test_run_json_on_the_scripted_example_shows_tools_and_a_handoff() -> None:
    result = CliRunner().invoke(app, ["run", "Lisbon?", "--agent", f"{TRAVEL}:scripted", "--json"])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.output.splitlines()]
    names = [e.get("name") for e in events if e["type"] == "run_item_stream_event"]
    assert names[:2] == ["tool_called", "tool_output"]
    assert "handoff_occured" in names
    assert events[-1]["result"]["final_output"] == "Booked: two nights at a hotel in Alfama."
    assert [e["sequence_number"] for e in events] == list(range(len(events)))


def test_a_factory_gives_a_fresh_agent_each_time() -> None:
    source = load_agent_source(f"{TRAVEL}:scripted")
    assert callable(source) and not isinstance(source, Agent)
    first, second = load_agent(f"{TRAVEL}:scripted"), load_agent(f"{TRAVEL}:scripted")
    assert first is not second and first.model is not second.model
    assert isinstance(load_agent_source(f"{TRAVEL}:agent"), Agent)


def test_a_factory_returning_something_else_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "bad.py"
    spec.write_text("def make():\n    return 42\n")
    with pytest.raises(UserError, match="returned a int"):
        load_agent(f"{spec}:make")


async def test_the_web_backend_calls_a_factory_per_run() -> None:
    backend = InMemoryRunBackend(load_agent_source(f"{TRAVEL}:scripted"))
    try:
        outputs = []
        for _ in range(2):
            run_id = await backend.start("Lisbon?")
            outputs.append((await backend.handle(run_id).result()).final_output)
        assert outputs == ["Booked: two nights at a hotel in Alfama."] * 2
    finally:
        await backend.aclose()
