"""The live terminal view: one panel per agent (plain lines when piped).

    python examples/terminal.py
    python examples/terminal.py | cat     # plain lines
"""

from __future__ import annotations

import asyncio

from handoffs import triage_agent
from quickstart import weather_agent

from rxagents import Runner
from rxagents.sinks import show


async def main() -> None:
    watched = await show({"paris": Runner.run_streamed(weather_agent(), "Paris?"),
                          "billing": Runner.run_streamed(triage_agent(), "Refund!")})
    print(len(watched.events), "events")


if __name__ == "__main__":
    asyncio.run(main())
