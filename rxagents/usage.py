"""Token usage: requests and tokens summed over a run's model calls."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Usage"]


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
