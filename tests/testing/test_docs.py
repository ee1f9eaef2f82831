"""docs/testing.md's examples run as written, and their tests pass.

Every ```python block runs in one shared namespace; afterwards each ``test_*``
function a block defined is called as pytest would (async hypothesis tests run
each example on a fresh event loop, as pytest-asyncio does).
"""

from __future__ import annotations

import asyncio
import inspect
import re
from pathlib import Path
from typing import Any

from hypothesis import settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _run_test(fn: Any) -> None:
    inner = getattr(getattr(fn, "hypothesis", None), "inner_test", None)
    if inner is not None and inspect.iscoroutinefunction(inner):

        def on_a_loop(*args: Any, **kwargs: Any) -> None:
            asyncio.run(inner(*args, **kwargs))

        fn.hypothesis.inner_test = on_a_loop
    settings(max_examples=15)(fn)() if inner is not None else fn()


def test_docs_examples_run() -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = BLOCK.findall(text)
    assert len(blocks) >= 6
    namespace: dict[str, Any] = {"__name__": "docs_testing"}
    ran: set[str] = set()
    for number, source in enumerate(blocks, 1):
        exec(compile(source, f"docs/testing.md block {number}", "exec"), namespace)
        for name, value in list(namespace.items()):
            if name.startswith("test_") and callable(value) and name not in ran:
                ran.add(name)
                _run_test(value)
    assert len(ran) >= 5
