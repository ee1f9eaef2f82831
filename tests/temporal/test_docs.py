"""docs/temporal.md's Python example runs as written, on this session's dev server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.redis.conftest import RedisServer
from tests.temporal.server import DevServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "temporal.md"


async def test_the_python_example_starts_a_run_and_reads_its_result(
    temporal_server: DevServer, events_redis: RedisServer, capsys: Any
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) == 1
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], str(DOC), "exec"), namespace)
    output = await namespace["main"](temporal_server.address, events_redis.url)
    assert output == "Hello from a durable run."
