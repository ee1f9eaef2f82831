"""ScriptedModel, re-exported: it lives with the models, in :mod:`rxagents.models.scripted`."""

from rxagents.models.scripted import ScriptedModel, ScriptStep, raise_error, text, tool_call

__all__ = ["ScriptStep", "ScriptedModel", "raise_error", "text", "tool_call"]
