"""The public surface of operators, sinks, web, redis and cli: what each package
lists in ``__all__`` is there, every public operator shows a marble diagram,
and every import path the docs and README use still works."""

from __future__ import annotations

import importlib
import inspect
import pickle
import re
from pathlib import Path

import pytest

import rxagents.operators as rxo

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    "rxagents.operators",
    "rxagents.sinks",
    "rxagents.web",
    "rxagents.redis",
    "rxagents.cli",
]
OURS = {"operators", "sinks", "web", "redis", "cli"}
# Not operators: a way out of Rx, and a key function for group_by.
NOT_OPERATORS = {"aiter", "event_path"}


@pytest.mark.parametrize("package", PACKAGES)
def test_every_name_in_all_is_there(package: str) -> None:
    module = importlib.import_module(package)
    names = module.__all__
    assert len(names) == len(set(names)), "a name listed twice"
    for name in names:
        value = getattr(module, name)
        assert not inspect.ismodule(value), f"{package}.{name} is a module, not an API name"


def test_every_public_operator_has_a_marble_diagram() -> None:
    operators = [
        name
        for name in rxo.__all__
        if inspect.isfunction(getattr(rxo, name)) and name not in NOT_OPERATORS
    ]
    assert len(operators) >= 19
    missing = [
        name for name in operators if ".. marble::" not in (getattr(rxo, name).__doc__ or "")
    ]
    assert missing == []


def _documented_imports() -> set[tuple[str, str]]:
    """``(module, name)`` of every ``from rxagents.X... import a, b`` in the docs."""
    texts = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    texts += sorted((ROOT / "notebooks").glob("*.ipynb"))
    texts += sorted((ROOT / "examples").glob("*.py"))
    found: set[tuple[str, str]] = set()
    pattern = re.compile(r"from (rxagents(?:\.\w+)*) import \(?([\w, \\n]+)\)?")
    for path in texts:
        for match in pattern.finditer(path.read_text()):
            names = re.split(r"[\s,]+|\\n", match.group(2))
            for name in names:
                if name and name.isidentifier():
                    found.add((match.group(1), name))
    return found


def test_every_documented_import_path_works() -> None:
    documented = _documented_imports()
    ours = [(m, n) for m, n in documented if m.split(".")[1:2] and m.split(".")[1] in OURS]
    assert len(ours) >= 10  # the docs do use these packages' paths
    for module, name in sorted(ours):
        assert hasattr(importlib.import_module(module), name), f"from {module} import {name}"


@pytest.mark.parametrize(
    "path",
    [
        # Module paths the docs name (docs/web.md, docs/redis.md, docs/cli.md, docs/jupyter.md).
        "rxagents.sinks.sse",
        "rxagents.sinks.websocket",
        "rxagents.sinks.live",
        "rxagents.web.backend",
        "rxagents.redis.backend",
        "rxagents.redis.worker",
    ],
)
def test_documented_module_paths_still_import(path: str) -> None:
    module = importlib.import_module(path)
    assert module.__all__
    for name in module.__all__:
        assert hasattr(module, name)


def test_the_modules_of_operators_are_private() -> None:
    folder = Path(rxo.__file__).parent
    names = sorted(p.stem for p in folder.glob("*.py"))
    assert len(names) > 10
    assert [n for n in names if not n.startswith("_")] == []


def test_operator_classes_show_their_public_home_and_pickle() -> None:
    public = (rxo.AgentHandoff, rxo.IncompleteRunError, rxo.RunFailedEvent, rxo.TaggedEvent)
    for cls in (*public, rxo.TextGuardTripped):
        assert cls.__module__ == "rxagents.operators"
    tagged = rxo.TaggedEvent("a", rxo.RunFailedEvent(ValueError("boom")))
    copied = pickle.loads(pickle.dumps(tagged))
    assert copied.source == "a" and copied.event.message == "ValueError: boom"
    error = pickle.loads(pickle.dumps(rxo.IncompleteRunError("cut")))
    assert type(error) is rxo.IncompleteRunError and str(error) == "cut"
