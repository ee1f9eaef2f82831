"""`rxagents worker` and `rxagents serve --redis`: configuration mistakes are one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rxagents.cli import app
from rxagents.cli.worker import load_agent_source
from rxagents.errors import UserError
from tests.redis.agent_file import make_agent

runner = CliRunner()
AGENT_FILE = Path(__file__).with_name("agent_file.py")


def test_worker_rejects_a_bad_url_and_never_echoes_the_password() -> None:
    result = runner.invoke(app, ["worker", "--redis", "http://user:hunter2@host:1/0"])
    assert result.exit_code == 2
    assert "redis://" in result.output
    assert "hunter2" not in result.output


def test_worker_rejects_a_missing_agent_file() -> None:
    result = runner.invoke(
        app, ["worker", "--redis", "redis://127.0.0.1:1/0", "--agent", "nope/missing.py:agent"]
    )
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_an_agent_spec_may_name_a_factory_or_an_agent() -> None:
    factory = load_agent_source(f"{AGENT_FILE}:make_agent")
    assert callable(factory) and factory.__name__ == make_agent.__name__
    with pytest.raises(UserError, match="is a FunctionTool"):
        load_agent_source(f"{AGENT_FILE}:lookup")


def test_serve_with_redis_takes_no_agent() -> None:
    result = runner.invoke(
        app, ["serve", "--redis", "redis://127.0.0.1:1/0", "--agent", "x.py:agent"]
    )
    assert result.exit_code == 2
    assert "give --agent to them" in result.output
