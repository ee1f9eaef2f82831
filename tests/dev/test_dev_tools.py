"""The shape checks `python3 dev.py lint` runs can fail: they find what they claim to."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_tools_{name}", ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_import_graph_counts_imports_inside_functions_but_not_type_checking(
    tmp_path: Path,
) -> None:
    graph = _tool("import_graph")
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "low.py": "def f():\n    from pkg import high\n",
            "high.py": "from pkg.low import f\n",
            "typed.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.high\n"
            ),
            "sub/__init__.py": "from pkg.sub.leaf import x\n",
            "sub/leaf.py": "from pkg import typed\nx = 1\n",
        },
    )
    edges = graph.graph(root, "pkg")
    assert edges["pkg.low"] == {"pkg.high"}  # `from pkg import high` is the module pkg.high
    assert edges["pkg.high"] == {"pkg.low"}
    assert edges["pkg.typed"] == set()
    assert graph.cycles(edges) == [["pkg.high", "pkg.low"]]


def test_import_graph_finds_no_cycle_in_the_package() -> None:
    graph = _tool("import_graph")
    assert graph.cycles(graph.graph()) == []


def test_sizes_reports_long_functions_and_files(tmp_path: Path) -> None:
    sizes = _tool("sizes")
    body = "\n".join(f"    x{i} = {i}" for i in range(100))
    root = _package(
        tmp_path,
        {
            "long.py": f"def long():\n{body}\n\n\ndef short():\n    return 1\n",
            "big.py": "\n".join(f"y{i} = {i}" for i in range(451)) + "\n",
        },
    )
    found = sizes.excesses(root / "pkg", root)
    assert [(e.path, e.lines) for e in found] == [("pkg/big.py", 451), ("pkg/long.py", 101)]
    assert "long()" in found[1].what


def test_sizes_strict_fails_only_for_what_it_covers(tmp_path: Path) -> None:
    sizes = _tool("sizes")
    assert sizes._covers("rxagents/*.py", "rxagents/agent.py")
    assert not sizes._covers("rxagents/*.py", "rxagents/run/_loop.py")
    assert sizes._covers("rxagents/run/", "rxagents/run/_loop.py")
    assert not sizes._covers("rxagents/run/", "rxagents/rx/_bridge.py")


def test_the_size_limits_hold_where_lint_enforces_them() -> None:
    sizes = _tool("sizes")
    spec = importlib.util.spec_from_file_location("_dev", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)  # only defines things: main() runs under __main__
    found = sizes.excesses(ROOT / "rxagents", ROOT)
    assert [str(e) for e in found if any(sizes._covers(p, e.path) for p in dev.SIZED)] == []
