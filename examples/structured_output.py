"""Structured output, streamed: validated partial objects, then the final one.

    python examples/structured_output.py
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel

from rxagents import Agent, Runner
from rxagents import operators as rxo
from rxagents.testing import ScriptedModel, text


class Forecast(BaseModel):
    city: str
    celsius: int
    summary: str


def forecast_agent() -> Agent:
    answer = '{"city": "Paris", "celsius": 21, "summary": "Sunny all day"}'
    return Agent("forecaster", model=ScriptedModel([[text(answer, chunk_size=6)]]),
                 output_type=Forecast)


async def main() -> None:
    partials = Runner.run_streamed(forecast_agent(), "Forecast?").pipe(rxo.partial_output(Forecast))
    async for partial in rxo.aiter(partials):
        print(partial)  # validated partial objects, then the final Forecast
    result = await Runner.run(forecast_agent(), "Forecast?")
    print(type(result.final_output).__name__, result.final_output.celsius)


if __name__ == "__main__":
    asyncio.run(main())
