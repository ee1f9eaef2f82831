"""Ways to stop a run: leave the block, a timeout, take(n), or cancel a hot run.

    python examples/cancellation.py
"""

from __future__ import annotations

import asyncio

from quickstart import weather_agent
from reactivex import operators as ops

from rxagents import Runner
from rxagents import operators as rxo


async def main() -> None:
    # Leaving the block (or break) cancels the run: the model's stream is closed,
    # running tools are cancelled, no task is left behind.
    async with Runner.run_streamed(weather_agent(), "Hi") as stream:
        async for event in stream:
            print("first event:", event.type)
            break

    # A timeout
    try:
        async with asyncio.timeout(30):
            result = await Runner.run(weather_agent(), "Hi")
            print("in time:", result.final_output)
    except TimeoutError:
        print("timed out")

    # Rx style: take, take_until, or dispose() the subscription
    first_three = Runner.run_streamed(weather_agent(), "Hi").pipe(ops.take(3))
    print("first three:", [e.type async for e in rxo.aiter(first_three)])

    # A hot run: cancel now, or let the current turn's tools finish first
    handle = Runner.start(weather_agent(), "Hi")
    handle.cancel(mode="after_turn")
    print("interrupted:", (await handle.result()).interrupted)


if __name__ == "__main__":
    asyncio.run(main())
