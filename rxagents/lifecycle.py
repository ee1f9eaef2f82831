"""Lifecycle hooks, with the OpenAI Agents SDK's names and signatures.

Subclass :class:`RunHooks` (pass ``hooks=`` to ``Runner.run`` / ``run_streamed``)
to hear about every agent of a run, or :class:`AgentHooks` (``Agent(hooks=...)``)
to hear about one agent. Every method is a coroutine that does nothing unless
overridden; the run awaits it at that point of the run, so a hook may pause the
run (an approval, a rate limit) and an exception it raises ends the run with
that exception. To watch a run without taking part in it, use an operator over
its events instead (``rxo.dispatch``): see docs/guardrails.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from rxagents.context import RunContext

if TYPE_CHECKING:
    from rxagents.agent import Agent
    from rxagents.items import ModelResponse
    from rxagents.tools import FunctionTool

__all__ = ["AgentHooks", "RunHooks"]

TContext = TypeVar("TContext")


class RunHooks(Generic[TContext]):
    """Callbacks for every agent of one run. Override the ones you need."""

    async def on_agent_start(self, context: RunContext[TContext], agent: Agent[Any]) -> None:
        """An agent starts: the starting agent, and each agent handed off to."""

    async def on_agent_end(
        self, context: RunContext[TContext], agent: Agent[Any], output: Any
    ) -> None:
        """``agent`` produced the run's final output (before output guardrails run)."""

    async def on_llm_start(
        self,
        context: RunContext[TContext],
        agent: Agent[Any],
        system_prompt: str | None,
        input_items: list[dict[str, Any]],
    ) -> None:
        """Just before ``agent``'s model is called with these instructions and input."""

    async def on_llm_end(
        self, context: RunContext[TContext], agent: Agent[Any], response: ModelResponse
    ) -> None:
        """Just after ``agent``'s model call finished streaming its response."""

    async def on_tool_start(
        self, context: RunContext[TContext], agent: Agent[Any], tool: FunctionTool
    ) -> None:
        """Just before ``tool`` runs (inside the tool call's task)."""

    async def on_tool_end(
        self, context: RunContext[TContext], agent: Agent[Any], tool: FunctionTool, result: Any
    ) -> None:
        """Just after ``tool`` returned ``result`` (not called when the tool raised)."""

    async def on_handoff(
        self, context: RunContext[TContext], from_agent: Agent[Any], to_agent: Agent[Any]
    ) -> None:
        """``from_agent`` handed the run off to ``to_agent``."""


class AgentHooks(Generic[TContext]):
    """Callbacks for one agent, in any run it takes part in. Override the ones you need."""

    async def on_start(self, context: RunContext[TContext], agent: Agent[Any]) -> None:
        """This agent starts (as the starting agent, or handed off to)."""

    async def on_end(self, context: RunContext[TContext], agent: Agent[Any], output: Any) -> None:
        """This agent produced the run's final output."""

    async def on_handoff(
        self, context: RunContext[TContext], agent: Agent[Any], source: Agent[Any]
    ) -> None:
        """``source`` handed off to this agent (``agent``)."""

    async def on_tool_start(
        self, context: RunContext[TContext], agent: Agent[Any], tool: FunctionTool
    ) -> None:
        """Just before one of this agent's tools runs."""

    async def on_tool_end(
        self, context: RunContext[TContext], agent: Agent[Any], tool: FunctionTool, result: Any
    ) -> None:
        """Just after one of this agent's tools returned ``result``."""

    async def on_llm_start(
        self,
        context: RunContext[TContext],
        agent: Agent[Any],
        system_prompt: str | None,
        input_items: list[dict[str, Any]],
    ) -> None:
        """Just before this agent's model is called."""

    async def on_llm_end(
        self, context: RunContext[TContext], agent: Agent[Any], response: ModelResponse
    ) -> None:
        """Just after this agent's model call finished."""
