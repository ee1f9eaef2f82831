"""Tools for testing agents and pipelines: a scripted model, strategies, a grammar checker."""

from rxagents.testing.scripted import ScriptedModel, ScriptStep, raise_error, text, tool_call

__all__ = ["ScriptStep", "ScriptedModel", "raise_error", "text", "tool_call"]
