"""Models: the interface, and the OpenAI, Chat Completions and embedded local implementations."""

from rxagents.models.base import Model, ModelProvider, ModelRequest, OutputSchema, ToolSpec

__all__ = ["Model", "ModelProvider", "ModelRequest", "OutputSchema", "ToolSpec"]
