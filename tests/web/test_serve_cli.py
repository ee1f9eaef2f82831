"""`rxagents serve`: the command's wiring, and the app it builds over real HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from typer.testing import CliRunner

from rxagents.cli import app as cli_app
from rxagents.cli.serve import build_app
from rxagents.web import InMemoryRunBackend
from tests.web.test_sse import read_sse, run_events, start_run, text_of

AGENT_FILE = """
from rxagents import Agent
from rxagents.testing import ScriptedModel, text


class Replay:
    def stream(self, request):
        return ScriptedModel([[text("served from the CLI", chunk_size=4)]]).stream(request)


agent = Agent("cli-bot", model=Replay())
"""


@pytest.fixture
def agent_file(tmp_path: Path) -> Path:
    path = tmp_path / "served.py"
    path.write_text(AGENT_FILE)
    return path


async def test_the_served_app_runs_the_agent_from_the_file(
    agent_file: Path, serve: Any, client: httpx.AsyncClient
) -> None:
    base = serve(build_app(f"{agent_file}:agent", max_concurrent=2))
    run_id = await start_run(client, base, "hello")
    events = run_events((await read_sse(client, f"{base}/runs/{run_id}/events")).messages)
    assert text_of(events) == "served from the CLI"
    assert events[0]["new_agent"] == "cli-bot"


def test_serve_command_passes_its_options(
    agent_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    result = CliRunner().invoke(
        cli_app,
        [
            "serve",
            "--port",
            "8123",
            "--agent",
            f"{agent_file}:agent",
            "--max-concurrent",
            "3",
            "--max-runs",
            "7",
            "--ttl",
            "5",
            "--max-input-chars",
            "99",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "serving on http://127.0.0.1:8123/" in result.output
    ((app, options),) = calls
    assert options == {"host": "127.0.0.1", "port": 8123, "log_level": "info"}
    backend = app.state.rxagents_backend
    assert isinstance(backend, InMemoryRunBackend)
    assert (backend.agent.name, backend.max_concurrent, backend.max_runs, backend.ttl) == (
        "cli-bot",
        3,
        7,
        5.0,
    )
    assert app.state.rxagents_limits.max_input_chars == 99


def test_serve_warns_when_listening_beyond_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    result = CliRunner().invoke(
        cli_app, ["serve", "--host", "0.0.0.0"], env={"RXAGENTS_SERVE_TOKEN": ""}
    )
    assert result.exit_code == 0, result.output
    assert "without a token" in result.output and "--token" in result.output


def test_serve_does_not_warn_with_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(app))
    token = "t0ken-abcdefghijklmnop"
    result = CliRunner().invoke(
        cli_app,
        ["serve", "--host", "0.0.0.0", "--allowed-host", "agents.example"],
        env={"RXAGENTS_SERVE_TOKEN": token},
    )
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output and "token required" in result.output
    assert token not in result.output
    security = calls[0].user_middleware[0].kwargs["security"]
    assert security.token == token and security.allowed_hosts == ("agents.example",)


def test_serve_reports_a_bad_agent_spec(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--agent", f"{tmp_path}/nope.py:agent"])
    assert result.exit_code == 2
    assert "does not exist" in result.output
