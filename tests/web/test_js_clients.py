"""The real npm clients against a real ``rxagents serve``: node's test runner drives them.

``clients/`` holds the JavaScript tests and their lockfile: the AI SDK's
``DefaultChatTransport`` / ``readUIMessageStream`` / ``AbstractChat`` (``ai`` 6 and
7 side by side through npm aliases) against ``POST /api/chat``, and
``@ag-ui/client``'s ``HttpAgent`` against ``POST /agui``. This test starts the
server on a free port of 127.0.0.1 and runs ``node --test``; it skips only when
node is not installed. ``python3 dev.py test`` runs ``npm ci`` first; run alone,
the test installs the lockfile itself when ``clients/node_modules`` is missing.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.client_agents import FRAMING

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "clients"
pytestmark = pytest.mark.timeout(180)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def npm_ci(folder: Path) -> None:
    """Install ``folder``'s lockfile unless its node_modules is there already."""
    if (folder / "node_modules").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail(f"node is installed but npm is not: install npm to run {folder.name}'s tests")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder, check=True, capture_output=True, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail("node is not installed: install Node.js 20+ to run the real JavaScript clients")
    npm_ci(CLIENTS)
    return found


@pytest.fixture(scope="module")
def server(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``rxagents serve`` with the scenario agent, on a free port; its base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [
        str(Path(sys.executable).with_name("rxagents")), "serve", "--port", str(port),
        "--agent", str(ROOT / "tests" / "web" / "client_agents.py") + ":make_agent",
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"rxagents serve did not start:\n{log.read_text()}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def restarted_stream() -> dict[str, str]:
    """A durable run whose second turn restarted mid-text, as a UI message stream body."""
    from reactivex import from_iterable

    from rxagents.sinks.ai_sdk import encode_chunk, ui_message_chunks
    from rxagents.testing import collect
    from tests.operators.test_turn_restarted import _run_events, _with_restart

    async def build() -> list[dict[str, object]]:
        clean = await _run_events()
        abandoned = await _run_events("Something else entirely, half written")
        crashed = _with_restart(clean, 12, abandoned)
        return list(await collect(from_iterable(crashed).pipe(ui_message_chunks())))

    chunks = asyncio.run(build())
    assert {"type": "reset-step"} in chunks
    body = "".join(encode_chunk(c) for c in chunks) + "data: [DONE]\n\n"
    return {"body": body, "text": "Let me check. It is sunny and warm today."}


def run_node_tests(node: str, base: str, files: list[str], tmp_path: Path) -> None:
    expect = tmp_path / "expect.json"
    expect.write_text(
        json.dumps({"framing": FRAMING, "restart": restarted_stream()}), encoding="utf-8"
    )
    env = {**os.environ, "RXAGENTS_URL": base, "RXAGENTS_EXPECT": str(expect)}
    result = subprocess.run(
        [node, "--test", "--test-reporter=spec", *files],
        cwd=CLIENTS, env=env, capture_output=True, text=True, timeout=150,
    )  # fmt: skip
    assert result.returncode == 0, f"node --test failed:\n{result.stdout}\n{result.stderr}"
    # node's spec reporter ends with counts; make sure tests ran and none failed.
    assert "ℹ fail 0" in result.stdout, result.stdout
    assert "ℹ pass 0" not in result.stdout, result.stdout


def test_ai_sdk_clients(node: str, server: str, tmp_path: Path) -> None:
    """ai 6 and ai 7: transport, readUIMessageStream and AbstractChat, every scenario."""
    run_node_tests(node, server, ["test/ai.test.mjs"], tmp_path)


def test_agui_client(node: str, server: str, tmp_path: Path) -> None:
    """@ag-ui/client's HttpAgent.runAgent: every scenario, state patches, subagents, abort."""
    run_node_tests(node, server, ["test/agui.test.mjs"], tmp_path)
