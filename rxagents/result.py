"""The result of a run (``Usage`` lives in :mod:`rxagents.usage`, re-exported here)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rxagents._agent_ref import AgentRef
from rxagents.guardrail import GuardrailResultRef
from rxagents.items import RunItem
from rxagents.usage import Usage

__all__ = ["RunResult", "Usage"]


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
