"""Live views tell the truth: token counts move while a model streams, and an agent's
box shows what it did in the order it did it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from rxagents import Agent, Runner, function_tool
from rxagents.rx import aiter
from rxagents.sinks.live import RunsView, view_states
from rxagents.sinks.notebook import render_html
from rxagents.sinks.terminal import render_view
from rxagents.testing import ScriptedModel, text, tool_call
from tests.core.helpers import run_all


@function_tool
def look_up(city: str) -> str:
    """Looks a city up."""
    return f"{city}: found"


def researcher() -> Agent[Any]:
    """Tool calls in its first turn, its answer in the second."""
    return Agent(
        "researcher",
        model=ScriptedModel(
            [
                [tool_call("look_up", {"city": "Lisbon"})],
                [text("Lisbon is lovely in May.", chunk_size=5)],
            ]
        ),
        tools=[look_up],
    )


async def views_of(agent: Agent[Any]) -> list[RunsView]:
    return await run_all(aiter(Runner.run_streamed(agent, "hi").pipe(view_states())))


def rendered(view: RunsView) -> str:
    console = Console(file=io.StringIO(), width=100, color_system=None, force_terminal=False)
    console.print(render_view(view))
    out: Any = console.file
    return str(out.getvalue())


async def test_tokens_out_count_the_deltas_of_the_call_in_progress() -> None:
    agent = Agent("a", model=ScriptedModel([[text("one two three four", chunk_size=4)]]))
    views = await views_of(agent)
    counts = [v.tokens_out(None) for v in views]
    streaming = list(dict.fromkeys(c for c in counts if c.startswith("~")))
    assert streaming == ["~1", "~2", "~3", "~4", "~5"]  # up by one per delta, as they arrive
    final = views[-1].snapshots[None]
    assert counts[-1] == str(final.usage.output_tokens) and final.is_complete
    mid = next(v for v in views if v.tokens_out(None) == "~3")
    assert "~3 tokens out" in rendered(mid) and "~3 tokens out" in render_html(mid)


async def test_a_tool_call_s_argument_deltas_count_too_and_reset_at_the_call_s_end() -> None:
    views = await views_of(researcher())
    counts = [v.tokens_out(None) for v in views]
    first_turn_end = next(i for i, v in enumerate(views) if v.snapshots[None].usage.requests == 1)
    assert any(c.startswith("~") for c in counts[:first_turn_end])
    assert not counts[first_turn_end].startswith("~")


async def test_an_agent_s_box_shows_its_tool_call_before_its_later_text() -> None:
    final = (await views_of(researcher()))[-1]
    terminal = rendered(final)
    assert terminal.index("look_up(") < terminal.index("Lisbon is lovely in May.")
    html = render_html(final)
    assert html.index("look_up(") < html.index("Lisbon is lovely in May.")


async def test_text_tool_text_in_one_turn_keeps_its_order() -> None:
    agent = Agent(
        "a",
        model=ScriptedModel(
            [
                [
                    text("Let me check. ", chunk_size=3),
                    tool_call("look_up", {"city": "Porto"}),
                    text("Checking now."),
                ],
                [text("Porto: found.")],
            ]
        ),
        tools=[look_up],
    )
    final = (await views_of(agent))[-1]
    out = rendered(final)
    positions = [
        out.index(s) for s in ("Let me check.", "look_up(", "Checking now.", "Porto: found.")
    ]
    assert positions == sorted(positions)


@pytest.mark.local_model
async def test_tokens_out_move_while_the_local_model_streams() -> None:
    from rxagents.model_settings import ModelSettings
    from rxagents.models import LocalModel

    agent = Agent(
        "local", model=LocalModel(), model_settings=ModelSettings(max_tokens=12, temperature=0.0)
    )
    counts = [v.tokens_out(None) for v in await views_of(agent)]
    streaming = [int(c[1:]) for c in counts if c.startswith("~")]
    assert len(streaming) >= 3 and streaming == sorted(streaming)
    assert int(counts[-1]) > 0
