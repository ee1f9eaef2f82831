"""The README's Python examples run, top to bottom, as a reader would paste them.

Every ```python block is executed in one shared namespace (top-level ``await``
allowed), so a block may use what an earlier block defined. A block whose first
line is ``# illustration only`` is skipped: it needs a key, a server or a notebook.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks() -> list[tuple[int, str]]:
    text = README.read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        source = match.group(1)
        if source.lstrip().startswith("# illustration only"):
            continue
        line = text.count("\n", 0, match.start()) + 2
        found.append((line, source))
    return found


def test_readme_has_examples() -> None:
    assert len(_blocks()) >= 10


@pytest.fixture(scope="module")
def readme_namespace() -> Iterator[dict[str, Any]]:
    """Every block run once, in order: the namespace a reader ends up with."""
    # The examples must not reach OpenAI; any key in the environment is hidden.
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
        namespace: dict[str, Any] = {"__name__": "readme"}
        # Blocks with top-level await run on one loop, as in a notebook; plain blocks run
        # outside it (so synchronous helpers such as collect_sync work as they would there).
        loop = asyncio.new_event_loop()
        try:
            for line, source in _blocks():
                code = compile(
                    source, f"README.md:{line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
                )
                outcome = eval(code, namespace)
                if inspect.iscoroutine(outcome):
                    loop.run_until_complete(outcome)
        finally:
            loop.close()
        yield namespace


def test_readme_examples_run(readme_namespace: dict[str, Any]) -> None:
    assert readme_namespace["result"].final_output == "It is sunny and 21°C in Paris."


async def test_the_readme_web_app_serves_any_number_of_runs(
    readme_namespace: dict[str, Any],
) -> None:
    import httpx

    from tests.web.support import serving
    from tests.web.test_sse import read_sse, run_events, text_of

    texts = []
    with serving(readme_namespace["app"]) as base:
        async with httpx.AsyncClient(timeout=httpx.Timeout(20.0)) as client:
            for _ in range(3):
                started = await client.post(f"{base}/agent/runs", json={"input": "Refund!"})
                assert started.status_code == 201, started.text
                url = f"{base}/agent/runs/{started.json()['id']}/events"
                texts.append(text_of(run_events((await read_sse(client, url)).messages)))
    assert texts == ["Your refund is on its way."] * 3
