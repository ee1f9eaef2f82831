"""`rxagents demo`: the README's main job."""

from __future__ import annotations

import asyncio

import typer

from rxagents import Agent, Runner, function_tool
from rxagents.events import RawResponsesStreamEvent, RunItemStreamEvent
from rxagents.testing import ScriptedModel, text, tool_call


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"sunny and 21°C in {city}"


async def _demo() -> None:
    model = ScriptedModel(
        [
            [tool_call("get_weather", {"city": "Paris"})],
            [text("It is sunny and 21°C in Paris today.", chunk_size=4, delay=0.02)],
        ]
    )
    agent: Agent[None] = Agent(
        "weather", instructions="Answer briefly.", model=model, tools=[get_weather]
    )
    typer.echo("[scripted model] one agent, one tool call, streamed:")
    async for event in Runner.run_streamed(agent, "What's the weather in Paris?"):
        if (
            isinstance(event, RawResponsesStreamEvent)
            and event.data.type == "response.output_text.delta"
        ):
            typer.echo(event.data.delta, nl=False)
        elif isinstance(event, RunItemStreamEvent) and event.name in ("tool_called", "tool_output"):
            typer.echo(f"[{event.name}] {event.item.raw_item}")
    typer.echo()


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""

    @app.command()
    def demo() -> None:
        """A live, streamed agent demo."""
        asyncio.run(_demo())
