"""Load an agent from a ``file.py:variable`` (or ``package.module:variable``) spec.

Used by the CLI (``rxagents serve --agent``, ``rxagents run --agent``) to let a
person point at an :class:`~rxagents.Agent` defined in their own code.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from rxagents.agent import Agent
from rxagents.errors import UserError

__all__ = ["AgentSource", "load_agent", "load_agent_source"]

_FORMAT_HINT = "use 'path/to/file.py:variable' or 'package.module:variable'"


AgentSource = Agent[Any] | Callable[[], Agent[Any]]
"""An Agent, or a function of no arguments returning a fresh one (called per run)."""


def load_agent_source(spec: str) -> AgentSource:
    """The Agent, or the function returning a fresh Agent, named by ``spec``.

    A function is for agents that keep per-run state (e.g. a ``ScriptedModel``,
    which plays each scripted turn once): a worker or server calls it per run.

    Args:
        spec: ``"path/to/file.py:var"`` (the file is imported as a fresh module,
            with its folder first on ``sys.path`` while it loads, so it may import
            its neighbours) or ``"package.module:var"`` (imported normally).

    Raises:
        UserError: the spec has no ``:variable`` part, the file or module does not
            exist or fails to import, the variable is missing, or it is neither an
            Agent nor a callable.
    """
    source, sep, name = spec.rpartition(":")
    if not sep or not source or not name:
        raise UserError(f"agent spec {spec!r} has no ':variable' part; {_FORMAT_HINT}")
    if not name.isidentifier():
        raise UserError(
            f"agent spec {spec!r}: {name!r} is not a Python variable name; {_FORMAT_HINT}"
        )
    module = _load_file(source) if _looks_like_path(source) else _load_module(source)
    if not hasattr(module, name):
        available = sorted(key for key, value in vars(module).items() if isinstance(value, Agent))
        hint = f"; Agents defined there: {', '.join(available)}" if available else ""
        raise UserError(f"agent spec {spec!r}: {source} defines no variable {name!r}{hint}")
    value = getattr(module, name)
    if isinstance(value, Agent) or (callable(value) and not isinstance(value, type)):
        return cast(AgentSource, value)
    raise UserError(
        f"agent spec {spec!r}: {name!r} is a {type(value).__name__}, not an rxagents Agent "
        "or a function returning one"
    )


def load_agent(spec: str) -> Agent[Any]:
    """The :class:`~rxagents.Agent` named by ``spec`` (a function is called once).

    Raises:
        UserError: as :func:`load_agent_source`, or the function did not return an Agent.

    Example:
        >>> agent = load_agent("examples/travel.py:agent")  # doctest: +SKIP
    """
    value = load_agent_source(spec)
    if isinstance(value, Agent):
        return value
    agent = value()
    if not isinstance(agent, Agent):
        raise UserError(
            f"agent spec {spec!r}: the function returned a {type(agent).__name__}, "
            "not an rxagents Agent"
        )
    return agent


def _looks_like_path(source: str) -> bool:
    return source.endswith(".py") or "/" in source or "\\" in source


def _load_file(source: str) -> ModuleType:
    path = Path(source).expanduser().resolve()
    if not path.is_file():
        raise UserError(
            f"agent file {source!r} does not exist (resolved to {path}); {_FORMAT_HINT}"
        )
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
    module_name = f"_rxagents_agent_{path.stem}_{digest}"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise UserError(f"agent file {source!r} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(module_spec)
    folder = str(path.parent)
    sys.path.insert(0, folder)
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise UserError(
            f"agent file {source!r} raised {type(exc).__name__} while importing: {exc}"
        ) from exc
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
    return module


def _load_module(source: str) -> ModuleType:
    try:
        return importlib.import_module(source)
    except ModuleNotFoundError as exc:
        raise UserError(f"agent module {source!r} was not found ({exc}); {_FORMAT_HINT}") from exc
    except Exception as exc:
        raise UserError(
            f"agent module {source!r} raised {type(exc).__name__} while importing: {exc}"
        ) from exc
