"""Token usage: requests and tokens summed over a run's model calls."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["Usage", "model_call_usage"]


class Usage(BaseModel):
    """Requests and tokens used, summed over a run's model calls."""

    model_config = ConfigDict(validate_assignment=False)

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0

    def add(self, input_tokens: int, output_tokens: int, total_tokens: int | None = None) -> None:
        """Count one more model request."""
        self.requests += 1
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self.total_tokens += (
            total_tokens if total_tokens is not None else input_tokens + output_tokens
        )

    def add_reported(self, reported: Any) -> None:
        """Count one more request with the usage a response reported (``None``: none)."""
        if reported is None:
            self.add(0, 0)
        else:
            self.add(reported.input_tokens, reported.output_tokens, reported.total_tokens)


def model_call_usage(event: Any) -> Any | Literal[False]:
    """The usage ``event`` reports if it ends a model call (``None`` if the server sent
    none), or ``False`` if it is not such an event."""
    if event.type != "raw_response_event":
        return False
    kind = event.data.type
    if kind == "response.completed" or kind == "response.incomplete":
        return event.data.response.usage
    return False
