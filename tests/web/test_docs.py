"""docs/web.md's Python examples run, top to bottom, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_web_guide_examples_run() -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = [b for b in BLOCK.findall(text) if not b.lstrip().startswith("# illustration only")]
    assert len(blocks) >= 3
    namespace: dict[str, Any] = {"__name__": "web_guide"}
    for source in blocks:
        exec(compile(source, str(DOC), "exec"), namespace)
    assert isinstance(namespace["app"], FastAPI)
    paths = {getattr(route, "path", None) for route in namespace["app"].routes}
    assert {"/runs", "/runs/{run_id}/events", "/runs/{run_id}/ws"} <= paths
    chat_paths = {getattr(route, "path", None) for route in namespace["chat_app"].routes}
    assert {"/api/chat", "/api/chat/{chat_id}/stream", "/agui", "/my/chat"} <= chat_paths
