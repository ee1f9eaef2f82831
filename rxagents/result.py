"""The result of a run (``Usage`` lives in :mod:`rxagents.usage`, re-exported here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from rxagents._agent_ref import AgentRef
from rxagents.guardrail import GuardrailResultRef
from rxagents.items import RunItem
from rxagents.usage import Usage

if TYPE_CHECKING:
    from rxagents.agent import Agent
    from rxagents.context import RunContext

__all__ = ["RunErrorDetails", "RunResult", "Usage"]


class RunResult(BaseModel):
    """What a run produced.

    Attributes:
        input: the run's original input.
        new_items: every item the run produced, in order.
        final_output: the last agent's output: text, or an instance of its ``output_type``.
        last_agent: the agent that produced the final output.
        usage: requests and tokens over the whole run.
        interrupted: the run was stopped with ``cancel(mode="after_turn")`` before a
            final output; ``final_output`` is then ``None``.
        input_guardrail_results: the starting agent's input guardrails that ran
            (:class:`~rxagents.guardrail.InputGuardrailResult`; a name and verdict in JSON).
        output_guardrail_results: the last agent's output guardrails that ran
            (:class:`~rxagents.guardrail.OutputGuardrailResult`).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)

    input: str | list[dict[str, Any]]
    new_items: list[RunItem] = Field(default_factory=list)
    final_output: Any = None
    last_agent: AgentRef
    usage: Usage = Field(default_factory=Usage)
    interrupted: bool = False
    input_guardrail_results: list[GuardrailResultRef] = Field(default_factory=list)
    output_guardrail_results: list[GuardrailResultRef] = Field(default_factory=list)

    def to_input_list(self) -> list[dict[str, Any]]:
        """The conversation so far as Responses input items: append the next user message."""
        items: list[dict[str, Any]] = (
            [{"role": "user", "content": self.input}]
            if isinstance(self.input, str)
            else list(self.input)
        )
        items.extend(item.to_input_item() for item in self.new_items)
        return items


@dataclass(frozen=True)
class RunErrorDetails:
    """What a run had done when it failed: ``error.run_data`` of the run's
    :class:`~rxagents.errors.AgentsError` (the SDK's names).

    Attributes:
        input: the run's original input.
        new_items: the items produced before the error, in order.
        last_agent: the agent whose turn it was.
        context_wrapper: the run's context (``.context``, ``.usage``).
        usage: requests and tokens of the model calls completed before the error.
    """

    input: str | list[dict[str, Any]]
    new_items: list[RunItem]
    last_agent: Agent[Any]
    context_wrapper: RunContext[Any]
    usage: Usage

    def to_input_list(self) -> list[dict[str, Any]]:
        """The conversation up to the error, as Responses input items."""
        items: list[dict[str, Any]] = (
            [{"role": "user", "content": self.input}]
            if isinstance(self.input, str)
            else list(self.input)
        )
        items.extend(item.to_input_item() for item in self.new_items)
        return items

    def __str__(self) -> str:
        return (
            f"RunErrorDetails(last_agent={self.last_agent.name!r}, "
            f"{len(self.new_items)} items, usage={self.usage!r})"
        )
