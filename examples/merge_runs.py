"""Several agents at once: one merged stream, each event tagged with its run.

    python examples/merge_runs.py
"""

from __future__ import annotations

import asyncio

from handoffs import triage_agent
from quickstart import weather_agent

from rxagents import Runner
from rxagents import operators as rxo


async def main() -> None:
    merged = rxo.merge_runs(
        {"paris": Runner.run_streamed(weather_agent(), "Paris?"),
         "billing": Runner.run_streamed(triage_agent(), "Refund!")},
        max_concurrent=4,          # at most 4 model streams open at once
        on_error="continue",       # a failed run becomes a RunFailedEvent; the others go on
    )
    async for tagged in rxo.aiter(merged.pipe(rxo.of_type(rxo.TaggedEvent))):
        if tagged.event.type == "run_completed_stream_event":
            print(tagged.source, "->", tagged.event.result.final_output)


if __name__ == "__main__":
    asyncio.run(main())
