"""Calling lifecycle hooks from the loop: the run's :class:`RunHooks`, then the agent's own.

Each call awaits the run's hooks first and then the agent's :class:`AgentHooks`, in
that order, so a test (or an approval hook) sees a fixed order. An exception in a
hook is not caught: it ends the run as its error. With no hooks anywhere a call
costs two ``None`` checks, and none is made per model event.
"""

from __future__ import annotations

from typing import Any

from rxagents.agent import Agent
from rxagents.context import RunContext
from rxagents.errors import UserError
from rxagents.items import ModelResponse
from rxagents.lifecycle import RunHooks
from rxagents.models.base import ModelRequest
from rxagents.tools import FunctionTool
from rxagents.usage import Usage

__all__ = ["HookCalls", "check_hooks"]


def check_hooks(hooks: object) -> RunHooks[Any] | None:
    """``hooks=`` as passed to the Runner, refused at once if it is not a RunHooks."""
    if hooks is None or isinstance(hooks, RunHooks):
        return hooks
    raise UserError(
        f"hooks= must be a RunHooks instance, got {type(hooks).__name__}; subclass "
        "rxagents.RunHooks and override the on_* methods you need"
    )


class HookCalls:
    """The hooks of one run, called at the points of a run the SDK calls them."""

    __slots__ = ("run_hooks",)

    def __init__(self, run_hooks: RunHooks[Any] | None) -> None:
        self.run_hooks = run_hooks

    async def agent_start(self, ctx: RunContext[Any], agent: Agent[Any]) -> None:
        """``agent`` starts: the run's first agent or one handed off to."""
        if self.run_hooks is not None:
            await self.run_hooks.on_agent_start(ctx, agent)
        if agent.hooks is not None:
            await agent.hooks.on_start(ctx, agent)

    async def agent_end(self, ctx: RunContext[Any], agent: Agent[Any], output: Any) -> None:
        """``agent`` produced the final output."""
        if self.run_hooks is not None:
            await self.run_hooks.on_agent_end(ctx, agent, output)
        if agent.hooks is not None:
            await agent.hooks.on_end(ctx, agent, output)

    async def llm_start(self, ctx: RunContext[Any], agent: Agent[Any], req: ModelRequest) -> None:
        """Just before ``agent``'s model is called with ``req``."""
        if self.run_hooks is not None:
            await self.run_hooks.on_llm_start(ctx, agent, req.instructions, list(req.input))
        if agent.hooks is not None:
            await agent.hooks.on_llm_start(ctx, agent, req.instructions, list(req.input))

    async def llm_end(self, ctx: RunContext[Any], agent: Agent[Any], response: Any) -> None:
        """After the model call; ``response`` is its ``response.completed`` payload, if any."""
        if self.run_hooks is None and agent.hooks is None:
            return
        model_response = _model_response(response)
        if self.run_hooks is not None:
            await self.run_hooks.on_llm_end(ctx, agent, model_response)
        if agent.hooks is not None:
            await agent.hooks.on_llm_end(ctx, agent, model_response)

    async def tool_start(self, ctx: RunContext[Any], agent: Agent[Any], tool: FunctionTool) -> None:
        """Just before ``tool`` runs, inside its call's task."""
        if self.run_hooks is not None:
            await self.run_hooks.on_tool_start(ctx, agent, tool)
        if agent.hooks is not None:
            await agent.hooks.on_tool_start(ctx, agent, tool)

    async def tool_end(
        self, ctx: RunContext[Any], agent: Agent[Any], tool: FunctionTool, result: Any
    ) -> None:
        """Just after ``tool`` returned ``result``."""
        if self.run_hooks is not None:
            await self.run_hooks.on_tool_end(ctx, agent, tool, result)
        if agent.hooks is not None:
            await agent.hooks.on_tool_end(ctx, agent, tool, result)

    async def handoff(self, ctx: RunContext[Any], source: Agent[Any], target: Agent[Any]) -> None:
        """``source`` handed off to ``target``: the run's hook, then the target's."""
        if self.run_hooks is not None:
            await self.run_hooks.on_handoff(ctx, source, target)
        if target.hooks is not None:
            await target.hooks.on_handoff(ctx, target, source)


def _model_response(response: Any) -> ModelResponse:
    if response is None:
        return ModelResponse(output=[], usage=Usage(), response_id=None)
    u = response.usage
    usage = Usage()
    if u is not None:
        usage.add(u.input_tokens, u.output_tokens, u.total_tokens)
    else:
        usage.add(0, 0)
    return ModelResponse(output=list(response.output), usage=usage, response_id=response.id)
