"""Sampling and tool-use settings passed through to the model."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["ModelSettings"]


class ModelSettings(BaseModel):
    """Settings sent with every model request of an agent; ``None`` means the server default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    tool_choice: Literal["auto", "required", "none"] | str | None = None
    parallel_tool_calls: bool | None = None

    def merged(self, override: ModelSettings | None) -> ModelSettings:
        """These settings with every non-``None`` field of ``override`` on top."""
        if override is None:
            return self
        return self.model_copy(update=override.model_dump(exclude_none=True))

    def non_default(self) -> dict[str, Any]:
        """The fields that were set, for building a request."""
        return self.model_dump(exclude_none=True)
