"""The example agent file the README points at, through the CLI and the web backend."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


# ---- the README's patterns as scripts: python examples/NAME.py ----------------------

EXAMPLES = TRAVEL.parent
OUTPUTS = {
    "quickstart": ["28 run_completed_stream_event", "It is sunny and 21°C in Paris. requests=2"],
    "structured_output": ["city='Paris' celsius=21 summary='Sunny all day'", "Forecast 21"],
    "handoffs": ["handoff: triage -> Billing Agent", "now: Billing Agent"],
    "merge_runs": ["billing -> Your refund is on its way.", "paris -> It is sunny and 21°C"],
    "cancellation": ["first event: agent_updated_stream_event", "interrupted: True"],
    "terminal": ["[billing: Billing Agent] Your refund is on its way.", " events"],
}


@pytest.fixture
def as_script(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Any]]:
    """Run examples/NAME.py as ``__main__``, with its folder first on sys.path as python does."""
    before = set(sys.modules)
    monkeypatch.syspath_prepend(str(EXAMPLES))

    def run(name: str) -> Any:
        path = EXAMPLES / f"{name}.py"
        monkeypatch.setattr(sys, "argv", [str(path)])
        return runpy.run_path(str(path), run_name="__main__")

    yield run
    for name in set(sys.modules) - before:  # the examples' own modules (quickstart, ...)
        if getattr(sys.modules[name], "__file__", "").startswith(str(EXAMPLES)):
            del sys.modules[name]


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_each_example_runs_as_a_script(
    name: str, as_script: Callable[[str], Any], capsys: pytest.CaptureFixture[str]
) -> None:
    as_script(name)
    out = capsys.readouterr().out
    for expected in OUTPUTS[name]:
        assert expected in out, out


def test_an_example_runs_with_plain_python_from_anywhere(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "merge_runs.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.splitlines()) == [
        "billing -> Your refund is on its way.",
        "paris -> It is sunny and 21°C in Paris.",
    ]


async def test_the_web_example_serves_three_runs_in_a_row() -> None:
    import httpx

    from tests.web.support import serving
    from tests.web.test_sse import read_sse, run_events, text_of

    sys.path.insert(0, str(EXAMPLES))
    try:
        app = runpy.run_path(str(EXAMPLES / "web_app.py"), run_name="web_app")["app"]
    finally:
        sys.path.remove(str(EXAMPLES))
    with serving(app) as base:
        async with httpx.AsyncClient(timeout=httpx.Timeout(20.0)) as client:
            texts = []
            for _ in range(3):
                started = await client.post(f"{base}/agent/runs", json={"input": "Refund!"})
                assert started.status_code == 201, started.text
                url = f"{base}/agent/runs/{started.json()['id']}/events"
                texts.append(text_of(run_events((await read_sse(client, url)).messages)))
            stream = await read_sse(client, f"{base}/stream?query=Paris")
    assert texts == ["Your refund is on its way."] * 3
    assert text_of(run_events(stream.messages)) == "It is sunny and 21°C in Paris."


@pytest.mark.local_model
def test_the_local_model_example_streams_an_answer(
    as_script: Callable[[str], Any], capsys: pytest.CaptureFixture[str]
) -> None:
    as_script("local_model")
    assert len(capsys.readouterr().out.strip()) > 10
