"""Running guardrails inside the loop: input ones around the first model call, output ones last.

The starting agent's input guardrails with ``run_in_parallel=False`` run before
its first model call; the others run concurrently with it. While they are
pending, the model's events are read through :func:`InputGuards.watch`, which
races each read against the guardrails, so a trip cancels the read in flight
(closing the HTTP stream) and nothing of the model is passed on after it. Once
they pass, the stream is read directly again: only the reads made while a
guardrail is undecided pay for the race.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from rxagents.agent import Agent
from rxagents.context import RunContext
from rxagents.errors import InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered
from rxagents.guardrail import (
    GuardrailInput,
    InputGuardrail,
    InputGuardrailResult,
    OutputGuardrailResult,
)

__all__ = ["InputGuards", "run_output_guardrails"]


async def _first_trip(
    guardrails: Sequence[InputGuardrail[Any]],
    agent: Agent[Any],
    input: GuardrailInput,
    ctx: RunContext[Any],
    results: list[InputGuardrailResult],
) -> None:
    """Run ``guardrails`` concurrently, recording each result; the first trip cancels the rest."""
    tasks = [asyncio.ensure_future(g.run(agent, input, ctx)) for g in guardrails]
    try:
        for done in asyncio.as_completed(tasks):
            result = await done
            results.append(result)
            if result.output.tripwire_triggered:
                raise InputGuardrailTripwireTriggered(result)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class InputGuards:
    """The starting agent's input guardrails for one run, and their results so far."""

    __slots__ = ("agent", "ctx", "input", "pending", "results")

    def __init__(self, agent: Agent[Any], input: GuardrailInput, ctx: RunContext[Any]) -> None:
        self.agent = agent
        self.input = input
        self.ctx = ctx
        self.results: list[InputGuardrailResult] = []
        self.pending: asyncio.Future[None] | None = None
        """The concurrent guardrails, while they run alongside the first model call."""

    async def start(self) -> None:
        """Before the first model call: run the blocking guardrails, start the others."""
        guardrails = self.agent.input_guardrails
        if not guardrails:
            return
        blocking = [g for g in guardrails if not g.run_in_parallel]
        if blocking:
            await _first_trip(blocking, self.agent, self.input, self.ctx, self.results)
        parallel = [g for g in guardrails if g.run_in_parallel]
        if parallel:
            self.pending = asyncio.ensure_future(
                _first_trip(parallel, self.agent, self.input, self.ctx, self.results)
            )

    def watch(self, stream: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """The model's events, cut off (and the read cancelled) the moment a guardrail trips."""
        return stream if self.pending is None else _watched(stream, self.pending)

    async def settle(self) -> None:
        """After the first model call: wait for the concurrent guardrails; raise a trip."""
        pending, self.pending = self.pending, None
        if pending is not None:
            await pending

    def close(self) -> None:
        """However the run ends: stop guardrails still running."""
        if self.pending is not None and not self.pending.done():
            self.pending.cancel()


async def _watched(stream: AsyncIterator[Any], pending: asyncio.Future[None]) -> AsyncIterator[Any]:
    reads = aiter(stream)
    read: asyncio.Future[Any] | None = None
    try:
        while not pending.done():
            read = asyncio.ensure_future(anext(reads))
            await asyncio.wait((read, pending), return_when=asyncio.FIRST_COMPLETED)
            if not read.done() and pending.exception() is not None:
                read.cancel()  # the guardrail tripped mid-read: drop the model call now
                await asyncio.gather(read, return_exceptions=True)
                pending.result()
            try:
                event = await read
            except StopAsyncIteration:
                return
            read = None
            if pending.done() and pending.exception() is not None:
                pending.result()  # tripped while this event was read: pass nothing on
            yield event
        pending.result()
        async for event in reads:
            yield event
    finally:
        if read is not None and not read.done():
            read.cancel()
            await asyncio.gather(read, return_exceptions=True)
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()


async def run_output_guardrails(
    agent: Agent[Any], output: Any, ctx: RunContext[Any]
) -> list[OutputGuardrailResult]:
    """Run ``agent``'s output guardrails on its final output, concurrently; raise the first trip."""
    guardrails = agent.output_guardrails
    if not guardrails:
        return []
    tasks = [asyncio.ensure_future(g.run(ctx, agent, output)) for g in guardrails]
    results: list[OutputGuardrailResult] = []
    try:
        for done in asyncio.as_completed(tasks):
            result = await done
            results.append(result)
            if result.output.tripwire_triggered:
                raise OutputGuardrailTripwireTriggered(result)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return results
