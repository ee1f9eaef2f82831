"""The run context handed to dynamic instructions and tools."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from rxagents.usage import Usage

TContext = TypeVar("TContext")

__all__ = ["RunContext"]


@dataclass
class RunContext(Generic[TContext]):
    """What a run carries besides the conversation.

    Attributes:
        context: the user's object passed as ``Runner.run_streamed(..., context=...)``.
        usage: tokens and requests used so far in this run.
    """

    context: TContext
    usage: Usage = field(default_factory=lambda: Usage())
