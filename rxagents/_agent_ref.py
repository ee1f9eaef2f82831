"""How an :class:`~rxagents.Agent` appears inside events: serialised as its name.

Validating from JSON turns a name back into an Agent: the one of that name in
the validation context's ``agents`` mapping if given, else a bare ``Agent(name)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import PlainSerializer, ValidationInfo, WrapValidator

# A plain module-level import: agent.py imports nothing that leads back here.
from rxagents.agent import Agent

__all__ = ["AgentRef"]


def _to_agent(value: Any, handler: Any, info: ValidationInfo) -> Any:
    if isinstance(value, Agent):
        return value
    if isinstance(value, str):
        agents = (info.context or {}).get("agents") or {}
        return agents.get(value) or Agent(name=value)
    raise ValueError(f"expected an Agent or an agent name, got {type(value).__name__}")


def _agent_name(agent: Any) -> str:
    return str(agent.name)


if TYPE_CHECKING:
    AgentRef = Agent[Any]
else:
    AgentRef = Annotated[
        Any,
        WrapValidator(_to_agent),
        PlainSerializer(_agent_name, return_type=str),
    ]
