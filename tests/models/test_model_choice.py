"""No silent wrong model: a named model needs a server; only "no model" runs the local default.

And providers plug in by model-name prefix (``register_provider``).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from rxagents import Agent, Runner
from rxagents.cli import app
from rxagents.errors import ModelConfigError, UserError
from rxagents.models import LocalModel, Model, ModelRequest, ScriptedModel, local_model_available
from rxagents.models import local as local_module
from rxagents.models import provider as provider_module
from rxagents.models.base import ToolSpec
from rxagents.models.provider import (
    DefaultProvider,
    LocalProvider,
    OpenAIProvider,
    default_provider,
    describe_default_model,
    environment_provider,
    register_provider,
    registered_provider,
    unregister_provider,
)
from rxagents.models.scripted import text

from .conftest import FAKE_KEY

ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "RXAGENTS_API", "RXAGENTS_MODEL")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(provider_module, "_announced", threading.Event())
    return monkeypatch


@pytest.fixture
def stand_in_local(clean_env: pytest.MonkeyPatch) -> list[str | None]:
    """The local provider hands out a scripted stand-in (no llama.cpp needed); names asked."""
    asked: list[str | None] = []

    def get_model(self: LocalProvider, name: str | None) -> Model:
        asked.append(name)
        return ScriptedModel([[text("local answer")]] * 3)

    clean_env.setattr(LocalProvider, "get_model", get_model)
    return asked


class ToyProvider:
    """A provider for the registry tests: every model it gives is scripted and says its name."""

    built = 0

    def __init__(self) -> None:
        ToyProvider.built += 1

    def get_model(self, name: str | None) -> Model:
        return ScriptedModel([[text(f"toy says {name}")]])


@pytest.fixture
def toy() -> Iterator[None]:
    ToyProvider.built = 0
    register_provider("toy/", ToyProvider)
    yield
    unregister_provider("toy/")
    unregister_provider("toy/big/")


# -- a named model without a server is an error ----------------------------------


async def test_a_named_model_without_a_key_is_a_typed_error(
    clean_env: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ModelConfigError) as caught:
        await Runner.run(Agent("a", model="gpt-4o-typo"), "hi")
    message = str(caught.value)
    assert isinstance(caught.value, UserError)
    assert "'gpt-4o-typo'" in message and "OPENAI_API_KEY" in message
    assert "'local'" in message and "\n" not in message


async def test_rxagents_model_without_a_key_is_a_typed_error(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("RXAGENTS_MODEL", "foo")
    with pytest.raises(ModelConfigError, match=r"RXAGENTS_MODEL='foo'.*OPENAI_API_KEY"):
        await Runner.run(Agent("a"), "hi")
    assert "RXAGENTS_MODEL='foo'" in describe_default_model()


def test_the_cli_says_so_in_one_line(clean_env: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(app, ["run", "hi", "--model", "gpt-typo"])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: model 'gpt-typo' needs a model server")
    assert "OPENAI_API_KEY" in line and "--model local" in line


def test_the_cli_runs_the_local_model_by_name(stand_in_local: list[str | None]) -> None:
    result = CliRunner().invoke(app, ["run", "hi", "--model", "local", "--json"])
    assert result.exit_code == 0, result.stderr
    last = json.loads(result.stdout.splitlines()[-1])
    assert last["result"]["final_output"] == "local answer"
    assert "embedded" not in result.stderr  # chosen by name: no announcement


# -- only "no model" runs the local default, announced once -------------------------


async def test_no_model_named_runs_the_local_default_announced_once(
    stand_in_local: list[str | None], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="rxagents.models")
    agent = Agent("a")
    for _ in range(3):
        assert (await Runner.run(agent, "hi")).final_output == "local answer"
    announced = [r.getMessage() for r in caplog.records if "embedded" in r.getMessage()]
    assert len(announced) == 1
    assert "SmolLM2-135M-Instruct" in announced[0] and "OPENAI_API_KEY" in announced[0]
    assert stand_in_local == [None, None, None]


async def test_the_name_local_picks_the_local_model_even_with_a_key(
    clean_env: pytest.MonkeyPatch,
    stand_in_local: list[str | None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    clean_env.setenv("OPENAI_API_KEY", FAKE_KEY)
    assert isinstance(environment_provider(), OpenAIProvider)
    for name in ("local", "SmolLM2-135M-Instruct"):
        result = await Runner.run(Agent("a", model=name), "hi")
        assert result.final_output == "local answer"
    assert stand_in_local == [None, None]
    assert not [r for r in caplog.records if "embedded" in r.getMessage()]  # chosen: no news


def test_with_a_key_names_go_to_openai(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("OPENAI_API_KEY", FAKE_KEY)
    model = default_provider().get_model("gpt-4o-typo")
    assert getattr(model, "model", None) == "gpt-4o-typo"  # the server will say if it is wrong


def test_the_default_provider_describes_what_would_run(clean_env: pytest.MonkeyPatch) -> None:
    assert isinstance(default_provider(), DefaultProvider)
    assert describe_default_model("gpt-x").startswith("no model: model 'gpt-x' needs")
    if local_model_available():
        assert describe_default_model().startswith("SmolLM2-135M-Instruct on the embedded")
        assert describe_default_model("local") == (
            "SmolLM2-135M-Instruct on the embedded llama.cpp server"
        )
    clean_env.setenv("OPENAI_API_KEY", FAKE_KEY)
    assert describe_default_model("gpt-x") == (
        "gpt-x via the OpenAI Responses API at https://api.openai.com/v1"
    )
    assert FAKE_KEY not in repr(default_provider())


# -- a model that cannot call tools ---------------------------------------------------


@pytest.mark.skipif(not local_model_available(), reason="needs rxagents install-local")
async def test_tools_on_the_local_model_warn_once_per_agent(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(local_module, "_warned_agents", set())
    caplog.set_level(logging.WARNING, logger="rxagents.models")
    model = LocalModel()
    tools = [ToolSpec("get_weather", "weather", {"type": "object", "properties": {}})]
    for agent in ("tooled-a", "tooled-a", "tooled-b", "plain"):
        request = ModelRequest(
            instructions=None, input=[], tools=[] if agent == "plain" else tools, agent_name=agent
        )
        stream: Any = model.stream(request)
        await stream.aclose()  # the warning comes with the call, before any request is sent
    warned = [r.getMessage() for r in caplog.records if "does not call tools" in r.getMessage()]
    assert len(warned) == 2
    assert "'tooled-a'" in warned[0] and "get_weather" in warned[0]
    assert "'tooled-b'" in warned[1]


# -- providers by model-name prefix -------------------------------------------------------


async def test_a_registered_prefix_sends_names_to_its_provider(
    clean_env: pytest.MonkeyPatch, toy: None
) -> None:
    # With nothing configured, a toy name is not an error: its provider serves it...
    result = await Runner.run(Agent("a", model="toy/echo"), "hi")
    assert result.final_output == "toy says toy/echo"
    # ...with a key set too, and RXAGENTS_MODEL may name it.
    clean_env.setenv("OPENAI_API_KEY", FAKE_KEY)
    clean_env.setenv("RXAGENTS_MODEL", "toy/env")
    assert (await Runner.run(Agent("a"), "hi")).final_output == "toy says toy/env"
    assert ToyProvider.built == 1  # built once, on first use


async def test_the_longest_prefix_wins_and_unregistering_forgets(
    clean_env: pytest.MonkeyPatch, toy: None
) -> None:
    class Big(ToyProvider):
        def get_model(self, name: str | None) -> Model:
            return ScriptedModel([[text("big")]])

    register_provider("toy/big/", Big)
    assert isinstance(registered_provider("toy/big/one"), Big)
    assert isinstance(registered_provider("toy/small"), ToyProvider)
    assert registered_provider("other") is None
    unregister_provider("toy/big/")
    assert not isinstance(registered_provider("toy/big/one"), Big)
    unregister_provider("toy/")
    with pytest.raises(ModelConfigError, match="'toy/x'"):
        default_provider().get_model("toy/x")


async def test_a_runs_model_provider_still_wins(clean_env: pytest.MonkeyPatch, toy: None) -> None:
    class House:
        def get_model(self, name: str | None) -> Model:
            return ScriptedModel([[text(f"house has {name}")]])

    result = await Runner.run(Agent("a", model="toy/echo"), "hi", model_provider=House())
    assert result.final_output == "house has toy/echo"


def test_bad_registrations_are_user_errors() -> None:
    with pytest.raises(UserError, match="non-empty prefix"):
        register_provider("", ToyProvider)
    with pytest.raises(UserError, match="callable"):
        register_provider("x/", ToyProvider())  # type: ignore[arg-type]
