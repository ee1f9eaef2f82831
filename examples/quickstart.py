"""The README's Quickstart as a script: one agent, a tool call, streamed text.

    python examples/quickstart.py

The model is a ScriptedModel (deterministic, offline); give the agent
``model="gpt-4.1-mini"`` (with OPENAI_API_KEY set) to run it on a real one.
"""

from __future__ import annotations

import asyncio

from rxagents import Agent, Runner, function_tool
from rxagents import operators as rxo
from rxagents.testing import ScriptedModel, text, tool_call


@function_tool
def get_weather(city: str) -> str:
    """The current weather in a city.

    Args:
        city: the city's name.
    """
    return f"sunny and 21°C in {city}"


def weather_agent() -> Agent:
    """An agent whose model calls get_weather, then answers (a fresh script per run)."""
    model = ScriptedModel([
        [tool_call("get_weather", {"city": "Paris"})],
        [text("It is sunny and 21°C in Paris.", chunk_size=4)],
    ])
    return Agent("weather", instructions="Answer briefly.", model=model, tools=[get_weather])


async def main() -> None:
    # SDK style: async for over the run
    async for event in Runner.run_streamed(weather_agent(), "Weather in Paris?"):
        print(event.sequence_number, event.type)

    # Rx style: the same run is an Observable
    texts = Runner.run_streamed(weather_agent(), "Weather in Paris?").pipe(rxo.text_deltas())
    print([delta async for delta in rxo.aiter(texts)])

    # Or just the result
    result = await Runner.run(weather_agent(), "Weather in Paris?")
    print(result.final_output, result.usage)


if __name__ == "__main__":
    asyncio.run(main())
