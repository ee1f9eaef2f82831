"""Models: the interface, one Responses-event builder, providers, and the implementations.

Public modules: :mod:`~rxagents.models.base` (the :class:`Model` protocol and
:class:`ModelRequest`), :mod:`~rxagents.models.response_builder` (the one place
Responses stream events are built), :mod:`~rxagents.models.provider` (which model
runs a name), :mod:`~rxagents.models.openai_responses`,
:mod:`~rxagents.models.openai_chat`, :mod:`~rxagents.models.local` and
:mod:`~rxagents.models.scripted`. Modules starting with ``_`` are plumbing.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rxagents.models.base import Model, ModelProvider, ModelRequest, OutputSchema, ToolSpec
    from rxagents.models.limits import DEFAULT_STREAM_LIMITS, StreamLimits
    from rxagents.models.local import LOCAL_MODEL_NAME, LocalModel, local_model_available
    from rxagents.models.openai_chat import OpenAIChatCompletionsModel
    from rxagents.models.openai_responses import OpenAIResponsesModel
    from rxagents.models.provider import (
        DefaultProvider,
        LocalProvider,
        OpenAIProvider,
        ProviderFactory,
        default_provider,
        describe_default_model,
        describe_model,
        environment_provider,
        register_provider,
        registered_provider,
        unregister_provider,
    )
    from rxagents.models.response_builder import ResponseBuilder, response_usage
    from rxagents.models.scripted import ScriptedModel, ScriptStep

# Loaded at first use: the OpenAI models import openai's client and types (most of a
# second), which `import rxagents` and the CLI's --help never need.
_WHERE = {
    "Model": "rxagents.models.base",
    "ModelProvider": "rxagents.models.base",
    "ModelRequest": "rxagents.models.base",
    "OutputSchema": "rxagents.models.base",
    "ToolSpec": "rxagents.models.base",
    "DEFAULT_STREAM_LIMITS": "rxagents.models.limits",
    "StreamLimits": "rxagents.models.limits",
    "LOCAL_MODEL_NAME": "rxagents.models.local",
    "LocalModel": "rxagents.models.local",
    "local_model_available": "rxagents.models.local",
    "OpenAIChatCompletionsModel": "rxagents.models.openai_chat",
    "OpenAIResponsesModel": "rxagents.models.openai_responses",
    "DefaultProvider": "rxagents.models.provider",
    "LocalProvider": "rxagents.models.provider",
    "OpenAIProvider": "rxagents.models.provider",
    "ProviderFactory": "rxagents.models.provider",
    "default_provider": "rxagents.models.provider",
    "describe_default_model": "rxagents.models.provider",
    "describe_model": "rxagents.models.provider",
    "environment_provider": "rxagents.models.provider",
    "register_provider": "rxagents.models.provider",
    "registered_provider": "rxagents.models.provider",
    "unregister_provider": "rxagents.models.provider",
    "ResponseBuilder": "rxagents.models.response_builder",
    "response_usage": "rxagents.models.response_builder",
    "ScriptedModel": "rxagents.models.scripted",
    "ScriptStep": "rxagents.models.scripted",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_STREAM_LIMITS",
    "LOCAL_MODEL_NAME",
    "DefaultProvider",
    "LocalModel",
    "LocalProvider",
    "Model",
    "ModelProvider",
    "ModelRequest",
    "OpenAIChatCompletionsModel",
    "OpenAIProvider",
    "OpenAIResponsesModel",
    "OutputSchema",
    "ProviderFactory",
    "ResponseBuilder",
    "ScriptStep",
    "ScriptedModel",
    "StreamLimits",
    "ToolSpec",
    "default_provider",
    "describe_default_model",
    "describe_model",
    "environment_provider",
    "local_model_available",
    "register_provider",
    "registered_provider",
    "response_usage",
    "unregister_provider",
]
