"""`rxagents worker --temporal` and `rxagents serve --temporal`: mistakes are one clear line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rxagents.cli import app
from rxagents.cli.serve import TemporalOptions, build_app
from tests.temporal.server import free_port

runner = CliRunner()
AGENT = f"{Path(__file__).with_name('agent_file.py')}:make_agent"


def _one_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    return lines[0]


def test_worker_rejects_an_address_that_is_not_host_port() -> None:
    result = runner.invoke(app, ["worker", "--temporal", "localhost", "--agent", AGENT])
    assert result.exit_code == 2
    assert "HOST:PORT" in _one_line(result.output)


def test_worker_says_when_temporal_does_not_answer_and_never_echoes_the_api_key() -> None:
    address = f"127.0.0.1:{free_port()}"
    result = runner.invoke(
        app,
        ["worker", "--temporal", address, "--agent", AGENT],
        env={"TEMPORAL_API_KEY": "secret-key-123"},
    )
    assert result.exit_code == 1
    line = _one_line(result.output)
    assert f"could not reach Temporal at {address}" in line
    assert "secret-key-123" not in result.output


def test_worker_needs_a_queue_or_a_cluster() -> None:
    result = runner.invoke(app, ["worker", "--agent", AGENT])
    assert result.exit_code == 2
    assert "--redis" in _one_line(result.output) and "--temporal" in result.output


def test_serve_with_temporal_takes_no_agent_and_builds_the_temporal_backend() -> None:
    result = runner.invoke(app, ["serve", "--temporal", "127.0.0.1:7233", "--agent", AGENT])
    assert result.exit_code == 2
    assert "give --agent to them" in _one_line(result.output)
    web = build_app(temporal=TemporalOptions("127.0.0.1:7233", task_queue="q"))
    assert type(web.state.rxagents_backend).__name__ == "TemporalBackend"
