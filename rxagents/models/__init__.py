"""Models: the interface, and the OpenAI, Chat Completions and embedded local implementations."""

from rxagents.models.base import Model, ModelProvider, ModelRequest, OutputSchema, ToolSpec
from rxagents.models.limits import DEFAULT_STREAM_LIMITS, StreamLimits
from rxagents.models.local import LOCAL_MODEL_NAME, LocalModel, local_model_available
from rxagents.models.openai_chat import OpenAIChatCompletionsModel
from rxagents.models.openai_responses import OpenAIResponsesModel
from rxagents.models.provider import (
    LocalProvider,
    OpenAIProvider,
    default_provider,
    describe_default_model,
    describe_model,
)

__all__ = [
    "DEFAULT_STREAM_LIMITS",
    "LOCAL_MODEL_NAME",
    "LocalModel",
    "LocalProvider",
    "Model",
    "ModelProvider",
    "ModelRequest",
    "OpenAIChatCompletionsModel",
    "OpenAIProvider",
    "OpenAIResponsesModel",
    "OutputSchema",
    "StreamLimits",
    "ToolSpec",
    "default_provider",
    "describe_default_model",
    "describe_model",
    "local_model_available",
]
