"""Resolving model names to models."""

from __future__ import annotations

from rxagents.errors import UserError
from rxagents.models.base import Model, ModelProvider

__all__ = ["default_provider"]


class _NoProvider:
    def get_model(self, name: str | None) -> Model:
        raise UserError(
            f"agent model {name!r} needs a model provider; pass a Model instance "
            "(e.g. rxagents.testing.ScriptedModel) as Agent(model=...)"
        )


def default_provider() -> ModelProvider:
    """The provider used when a run is given none."""
    return _NoProvider()
