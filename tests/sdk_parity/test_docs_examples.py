"""The SDK's streaming and quickstart docs examples run on rxagents with only imports changed.

The programs (``sdk_docs_examples.md``, verbatim from the SDK's docs) run as
``__main__``, once as written and once with their ``agents`` imports pointed at
``rxagents``, against the fake server (``OPENAI_BASE_URL``, as a user would point
them at a compatible server); both must finish, print the same, and send the same
requests.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
import runpy
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import agents
import pytest

from rxagents.testing.openai_fixtures import responses_text, responses_tool_calls
from rxagents.testing.openai_server import FakeOpenAIServer, Reply, responses_stream
from tests.sdk_parity.harness import json_reply, request_view

HERE = Path(__file__).parent
IMPORTS = {
    "from agents.decorators import tool": "from rxagents import function_tool as tool",
    "from agents import ": "from rxagents import ",
}
"""The only edits: each SDK import line, and what it becomes."""



def programs() -> dict[str, str]:
    """Each example program: its heading, and its python blocks joined."""
    text = (HERE / "sdk_docs_examples.md").read_text()
    found: dict[str, str] = {}
    for section in text.split("\n## ")[1:]:
        title, _, body = section.partition("\n")
        found[title.strip()] = "\n".join(re.findall(r"```python\n(.*?)```", body, re.S))
    return found


def ported(source: str) -> str:
    lines = []
    for line in source.splitlines():
        for old, new in IMPORTS.items():
            if line.startswith(old):
                line = new + line[len(old):]
        lines.append(line)
    result = "\n".join(lines)
    assert "agents" not in result.replace("rxagents", "").replace("Agents", ""), result
    return result


def replies(streamed: bool) -> list[Reply]:
    """What the server answers, program after program (JSON for the SDK's Runner.run)."""

    def reply(events: list[dict[str, Any]], is_streamed: bool = streamed) -> Reply:
        return responses_stream(events) if is_streamed else json_reply(events, "responses")

    return [
        # streaming: raw response events (always streamed)
        responses_stream(responses_text("Why did the chicken... ", chunk_size=5)),
        # streaming: run item events
        responses_stream(responses_tool_calls([("how_many_jokes", {})], call_ids=["j1"])),
        responses_stream(responses_text("Joke one. Joke two.")),
        # quickstart: run your first agent
        reply(responses_text("In 476 AD.")),
        # quickstart: give your agent tools
        reply(responses_tool_calls([("history_fun_fact", {})], call_ids=["f1"])),
        reply(responses_text("Sharks are older than trees!")),
        # quickstart: handoffs
        reply(responses_tool_calls([("transfer_to_history_tutor", {})], call_ids=["h1"])),
        reply(responses_text("George Washington.")),
    ]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as running:
        yield running


def run_program(path: Path) -> str:
    """Run one program as ``__main__``, as ``python program.py`` would, and return what it
    printed. It runs in a thread of its own, so its ``asyncio.run`` gets a fresh loop."""
    import agents.models.openai_provider as sdk_provider

    # The SDK shares one HTTP client per process: a new process would start without one.
    sdk_provider._http_client = None
    random.seed(1)  # one example draws a number
    failure: list[BaseException] = []

    def main() -> None:
        try:
            runpy.run_path(str(path), run_name="__main__")
        except BaseException as error:
            failure.append(error)

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        thread = threading.Thread(target=main, name=f"docs-example-{path.stem}")
        thread.start()
        thread.join(60)
    assert not thread.is_alive(), f"{path.name} did not finish within 60 s"
    if failure:
        raise failure[0]
    return printed.getvalue()


def run_all(
    server: FakeOpenAIServer, folder: Path, port: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, list[Any]]:
    """Every program, as written or ported, one after the other; what they printed and
    the requests they sent."""
    server.reset()
    server.enqueue(*replies(streamed=port))
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-docs-not-a-real-key")
    monkeypatch.setenv("OPENAI_DEFAULT_MODEL", "gpt-4.1")
    monkeypatch.setenv("RXAGENTS_MODEL", "gpt-4.1")
    printed = []
    for index, source in enumerate(programs().values()):
        path = folder / f"example_{index}.py"
        path.write_text(ported(source) if port else source)
        printed.append(run_program(path))
    return "\n".join(printed), [request_view(r.body) for r in server.snapshot()]


def test_the_examples_print_the_same_and_send_the_same(
    server: FakeOpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert list(programs()) == [
        "streaming: raw response events",
        "streaming: run item events",
        "quickstart: run your first agent",
        "quickstart: give your agent tools",
        "quickstart: handoffs",
    ]
    (tmp_path / "sdk").mkdir()
    (tmp_path / "ours").mkdir()
    sdk_out, sdk_requests = run_all(server, tmp_path / "sdk", False, monkeypatch)
    our_out, our_requests = run_all(server, tmp_path / "ours", True, monkeypatch)
    assert our_out == sdk_out
    assert our_requests == sdk_requests
    assert len(our_requests) == 8
    # What they printed is the scripted run, not an error message:
    assert "Why did the chicken... " in our_out
    assert "-- Tool was called\n-- Tool output: 3\n" in our_out  # random.seed(1)
    assert "-- Message output:\n Joke one. Joke two." in our_out
    assert "Answered by: History Tutor" in our_out
    assert agents.__name__ == "agents"
