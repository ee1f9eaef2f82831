"""Models: the interface, one Responses-event builder, providers, and the implementations.

Public modules: :mod:`~rxagents.models.base` (the :class:`Model` protocol and
:class:`ModelRequest`), :mod:`~rxagents.models.response_builder` (the one place
Responses stream events are built), :mod:`~rxagents.models.provider` (which model
runs a name), :mod:`~rxagents.models.openai_responses`,
:mod:`~rxagents.models.openai_chat`, :mod:`~rxagents.models.local` and
:mod:`~rxagents.models.scripted`. Modules starting with ``_`` are plumbing.
"""

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
