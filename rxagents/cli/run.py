"""`rxagents run "prompt"`: stream one run to the terminal, or as JSON lines.

Examples::

    rxagents run "What is a reactive stream?"                # embedded local model
    rxagents run "Hi" --model gpt-4.1-mini                   # OpenAI (OPENAI_API_KEY)
    rxagents run "Hi" --base-url http://127.0.0.1:8080/v1 --api chat   # e.g. llama.cpp
    rxagents run "Plan a trip" --agent examples/travel.py:agent
    rxagents run "Hi" --json | jq -r 'select(.type=="raw_response_event") | .data.delta // empty'
"""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated, Any

import typer

from rxagents.agent import Agent
from rxagents.cli._errors import exit_on_error
from rxagents.models.base import ModelProvider

__all__ = ["DEFAULT_INSTRUCTIONS", "build_agent", "register"]

DEFAULT_INSTRUCTIONS = "You are a helpful assistant. Answer clearly and briefly."


def model_provider(base_url: str | None, api: str | None = None) -> ModelProvider | None:
    """The provider for ``--base-url`` / ``--api`` (``None``: the default provider decides)."""
    if base_url is None and api is None:
        return None
    from rxagents.models.provider import OpenAIProvider

    return OpenAIProvider(api=api, base_url=base_url)  # type: ignore[arg-type]


def build_agent(agent_spec: str | None, model: str | None) -> Agent[Any]:
    """The agent to run: loaded from ``file.py:variable``, or a plain assistant.

    ``--model`` replaces the agent's model by that name (resolved by the provider).
    """
    if agent_spec is not None:
        from rxagents.cli._agent_loader import load_agent

        agent = load_agent(agent_spec)
    else:
        agent = Agent("assistant", instructions=DEFAULT_INSTRUCTIONS)
    if model is not None:
        agent = agent.clone(model=model)
    return agent


def model_label(agent: Agent[Any], provider: ModelProvider | None) -> str:
    """A short name for the model the agent starts on, for panel titles."""
    model = agent.model
    if model is None or isinstance(model, str):
        from rxagents.models.provider import default_provider

        model = (provider or default_provider()).get_model(model)
    return short_label(model)


def short_label(model: Any) -> str:
    """``scripted``, ``SmolLM2-135M (local)``, or the model's name (``gpt-4.1-mini``)."""
    from rxagents.models.local import LocalModel
    from rxagents.testing import ScriptedModel

    if isinstance(model, ScriptedModel):
        return "scripted"
    if isinstance(model, LocalModel):
        return f"{model.name.removesuffix('-Instruct')} (local)"
    return str(getattr(model, "model", None) or type(model).__name__)


async def _stream_json(
    agent: Agent[Any], prompt: str, provider: ModelProvider | None, max_turns: int
) -> None:
    from rxagents.run import Runner

    write = sys.stdout.write
    async for event in Runner.run_streamed(
        agent, prompt, max_turns=max_turns, model_provider=provider
    ):
        write(event.model_dump_json(by_alias=True))  # the openai wire names
        write("\n")
        sys.stdout.flush()


async def _stream_live(
    agent: Agent[Any], prompt: str, provider: ModelProvider | None, max_turns: int
) -> None:
    from rich.console import Console

    from rxagents.run import Runner
    from rxagents.sinks.terminal import show

    stream = Runner.run_streamed(agent, prompt, max_turns=max_turns, model_provider=provider)
    await show(stream, console=Console(), labels={None: model_label(agent, provider)})


def register(app: typer.Typer) -> None:
    """Add ``run`` to ``app``."""

    @app.command("run")
    def run(
        prompt: Annotated[str, typer.Argument(help="The user message.")],
        model: Annotated[
            str | None,
            typer.Option(
                "--model",
                "-m",
                help="Model name (default: OpenAI if configured, else the embedded local model).",
            ),
        ] = None,
        base_url: Annotated[
            str | None,
            typer.Option(
                "--base-url", help="An OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1."
            ),
        ] = None,
        api: Annotated[
            str | None,
            typer.Option(
                "--api",
                help="'responses' (OpenAI) or 'chat' (Chat Completions: vLLM, Ollama, "
                "llama.cpp...); default RXAGENTS_API or responses.",
            ),
        ] = None,
        agent: Annotated[
            str | None,
            typer.Option(
                "--agent", help="Your agent: path/to/file.py:variable or package.module:variable."
            ),
        ] = None,
        json_lines: Annotated[
            bool, typer.Option("--json", help="Print one event per line as JSON (for jq).")
        ] = False,
        max_turns: Annotated[int, typer.Option("--max-turns", help="Model calls allowed.")] = 10,
        debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    ) -> None:
        """Stream one agent run: live in a terminal, plain lines in a pipe, or --json."""
        with exit_on_error(debug):
            chosen = build_agent(agent, model)
            provider = model_provider(base_url, api)
            runner = _stream_json if json_lines else _stream_live
            asyncio.run(runner(chosen, prompt, provider, max_turns))
