"""An agent file for ``rxagents run --agent examples/travel.py:agent``.

``agent`` runs on whatever model is configured (OpenAI with OPENAI_API_KEY set,
else the embedded local model, which answers but cannot call tools).
``scripted`` is the same agent on a ScriptedModel, to see tool calls and a
handoff offline: ``rxagents run "Lisbon?" --agent examples/travel.py:scripted``.
"""

from __future__ import annotations

from rxagents import Agent, function_tool
from rxagents.testing import ScriptedModel, text, tool_call


@function_tool
def get_weather(city: str) -> str:
    """The weather forecast for a city.

    Args:
        city: the city's name.
    """
    return f"sunny, 24°C in {city}"


booking = Agent(
    "Booking Agent",
    instructions="Book what the traveller asked for and confirm in one sentence.",
    handoff_description="Books hotels and trains.",
)

agent = Agent(
    "travel",
    instructions="You plan short trips. Check the weather before suggesting plans.",
    tools=[get_weather],
    handoffs=[booking],
)


def scripted_travel() -> Agent:
    """The travel agent on a fresh scripted model: a tool call, text, then a handoff."""
    scripted_booking = booking.clone(
        model=ScriptedModel([[text("Booked: two nights at a hotel in Alfama.", chunk_size=5)]])
    )
    return agent.clone(
        model=ScriptedModel(
            [
                [tool_call("get_weather", {"city": "Lisbon"})],
                [
                    text("Sunny and 24°C: a fine weekend for Lisbon.", chunk_size=5),
                    tool_call("transfer_to_booking_agent"),
                ],
            ]
        ),
        handoffs=[scripted_booking],
    )


scripted = scripted_travel
"""A fresh scripted agent per run (a ScriptedModel plays each turn once): the CLI,
``rxagents serve`` and ``rxagents worker`` call it for every run."""
