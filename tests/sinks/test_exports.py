"""Every lazy name of rxagents.sinks is the object it documents, whatever was imported first."""

from __future__ import annotations

import importlib

import rxagents.sinks as sinks


def test_lazy_names_survive_their_submodules_being_imported() -> None:
    for module in {f"rxagents.sinks.{where}" for where in sinks._WHERE.values()}:
        importlib.import_module(module)
    for name in sinks.__all__:
        value = getattr(sinks, name)
        assert not isinstance(value, type(sinks)), f"rxagents.sinks.{name} is a module"
        assert getattr(value, "__name__", name) == name
