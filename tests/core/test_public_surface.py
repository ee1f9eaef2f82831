"""The public surface (docs/api.md): what each face lists imports, old paths still work,
plumbing modules are private, and public homes show in reprs without breaking pickling."""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path

import pytest

import rxagents
import rxagents.run
from rxagents import Agent, Runner
from rxagents.testing import ScriptedModel, text

PACKAGE = Path(rxagents.__file__).parent

FACES = [
    "rxagents",
    "rxagents.run",
    "rxagents.rx",
    "rxagents.agent",
    "rxagents.agent_tool",
    "rxagents.tools",
    "rxagents.items",
    "rxagents.events",
    "rxagents.result",
    "rxagents.usage",
    "rxagents.snapshot",
    "rxagents.context",
    "rxagents.errors",
    "rxagents.model_settings",
]


@pytest.mark.parametrize("name", FACES)
def test_every_name_a_face_lists_is_there(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__, name
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert missing == []


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("rxagents", "Usage"),
        ("rxagents.result", "Usage"),  # Usage moved to rxagents.usage
        ("rxagents.agent_tool", "agent_tool"),
        ("rxagents.snapshot", "RunState"),  # moved to rxagents._snapshot_state
        ("rxagents.snapshot", "TextLog"),
        ("rxagents.snapshot", "ToolCallState"),
        ("rxagents.rx", "aiter"),
        ("rxagents.operators", "aiter"),
    ],
)
def test_documented_import_paths_keep_working(path: str, name: str) -> None:
    assert hasattr(importlib.import_module(path), name)


@pytest.mark.parametrize("package", ["run", "rx"])
def test_the_modules_of_run_and_rx_are_private(package: str) -> None:
    names = sorted(p.stem for p in (PACKAGE / package).glob("*.py"))
    assert names and [n for n in names if not n.startswith("_")] == []


def test_reexported_classes_show_their_public_home() -> None:
    from rxagents.rx import BufferOverflow, ObservableIterator
    from rxagents.snapshot import RunState, TextLog

    homes = {
        cls.__name__: cls.__module__
        for cls in (
            Runner,
            rxagents.RunStream,
            rxagents.RunHandle,
            rxagents.run.RunControl,
            BufferOverflow,
            ObservableIterator,
            RunState,
            TextLog,
        )
    }
    assert homes == {
        "Runner": "rxagents",
        "RunStream": "rxagents",
        "RunHandle": "rxagents",
        "RunControl": "rxagents.run",
        "BufferOverflow": "rxagents.rx",
        "ObservableIterator": "rxagents.rx",
        "RunState": "rxagents.snapshot",
        "TextLog": "rxagents.snapshot",
    }
    stream = Runner.run_streamed(Agent("a", model=ScriptedModel([[text("hi")]])), "x")
    assert repr(stream).startswith("<rxagents.RunStream object")


def test_what_moved_still_pickles() -> None:
    from rxagents.rx import BufferOverflow
    from rxagents.snapshot import RunAccumulator
    from rxagents.testing import collect_sync

    error = pickle.loads(pickle.dumps(BufferOverflow("full")))
    assert type(error) is BufferOverflow and str(error) == "full"
    stream = Runner.run_streamed(Agent("a", model=ScriptedModel([[text("hello")]])), "x")
    accumulator = RunAccumulator()
    snapshots = [accumulator.add(event) for event in collect_sync(stream).events]
    copied = pickle.loads(pickle.dumps(snapshots[-1]))
    assert (copied.text, copied.is_complete, copied.usage) == ("hello", True, snapshots[-1].usage)
