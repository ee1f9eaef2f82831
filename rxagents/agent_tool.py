"""An agent used as a tool by another agent, its own events visible in the parent's stream.

The OpenAI Agents SDK's ``Agent.as_tool`` runs the sub-agent out of sight: its
tokens, tool calls and handoffs never reach the parent's stream (the SDK's
issue 864). Here every event of the sub-run reaches the parent's Observable as a
:class:`~rxagents.events.NestedRunEvent` tagged with its path (parent run ->
tool call -> sub-run), in order, before the tool's ``tool_output``. Select or
flatten them with ``rxo.nested_events`` / ``rxo.flatten_nested`` /
``rxo.top_level``.
"""

from __future__ import annotations

from typing import Any

from rxagents._agent_tool import OutputExtractor, build_agent_tool
from rxagents.agent import Agent, validate_agent_graph
from rxagents.tools import FunctionTool

__all__ = ["OutputExtractor", "agent_tool"]


def agent_tool(
    agent: Agent[Any],
    tool_name: str | None = None,
    tool_description: str | None = None,
    *,
    custom_output_extractor: OutputExtractor | None = None,
    max_turns: int = 10,
) -> FunctionTool:
    """``agent`` as a :class:`~rxagents.FunctionTool` taking one string, ``input``.

    Each call runs ``agent`` on ``input`` as a sub-run (with the parent run's
    ``context`` and model provider; its own usage) and returns the sub-run's
    final output. Inside a run, every event of the sub-run also appears in the
    parent's stream as a ``NestedRunEvent``; a sub-run's failure becomes the
    tool call's error output (or fails the parent, with
    ``tool_error_behavior="raise"``), as any tool's. The same as
    :meth:`Agent.as_tool <rxagents.Agent.as_tool>`.

    Args:
        agent: the agent to run for each call.
        tool_name: the name the model calls it by (default: the agent's name in
            snake case).
        tool_description: what it does, for the model (default: the agent's
            ``handoff_description``).
        custom_output_extractor: ``RunResult -> output`` (sync or async); the
            default is the sub-run's ``final_output``.
        max_turns: the sub-run's turn limit.

    Example:
        >>> researcher = Agent("researcher", instructions="Find facts.", tools=[search])
        >>> writer = Agent("writer", tools=[researcher.as_tool("research", "Find facts")])
        >>> Runner.run_streamed(writer, "...").pipe(rxo.nested_events(tool="research"))
    """
    validate_agent_graph(agent, max_turns)
    return build_agent_tool(agent, tool_name, tool_description, custom_output_extractor, max_turns)
