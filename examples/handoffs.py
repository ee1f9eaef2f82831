"""A handoff, and the run's state folded as it streams.

    python examples/handoffs.py
"""

from __future__ import annotations

import asyncio

from rxagents import Agent, Runner
from rxagents import operators as rxo
from rxagents.testing import ScriptedModel, text, tool_call


def triage_agent() -> Agent:
    """A triage agent that hands off to billing (a fresh script per call)."""
    billing = Agent("Billing Agent", model=ScriptedModel([[text("Your refund is on its way.")]]))
    return Agent(
        "triage",
        instructions="Route the user.",
        model=ScriptedModel([[tool_call("transfer_to_billing_agent")]]),
        handoffs=[billing],
    )


async def main() -> None:
    changes = Runner.run_streamed(triage_agent(), "Refund!").pipe(rxo.handoffs())
    async for change in rxo.aiter(changes):
        print(f"handoff: {change.from_agent.name} -> {change.to_agent.name}")

    # The run's state after every event; the last snapshot is the finished run.
    snapshots = Runner.run_streamed(triage_agent(), "Refund!").pipe(rxo.accumulate())
    final = [snapshot async for snapshot in rxo.aiter(snapshots)][-1]
    agent = final.current_agent.name if final.current_agent else None
    print("now:", agent, "| text:", final.text_by_agent)


if __name__ == "__main__":
    asyncio.run(main())
