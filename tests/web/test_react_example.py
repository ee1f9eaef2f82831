"""examples/react-chat end to end: its Vite build in headless Chromium against the chat endpoint.

The example's page (React + ``@ai-sdk/react``'s ``useChat``) is built once per
session from its lockfile (``npm ci`` if needed, then ``vite build`` into a
temporary folder; nothing built is kept in the repo) and served beside
``create_app``'s endpoints, the app ``rxagents serve`` runs. Skips only when node
is missing; the browser must start (as in test_browser.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rxagents.web import create_app
from tests.web.client_agents import make_agent
from tests.web.support import serving
from tests.web.test_browser import browser, until
from tests.web.test_js_clients import npm_ci

__all__ = ["browser"]  # the fixture, shared with test_browser.py

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "react-chat"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's production build, in a temporary folder."""
    if shutil.which("node") is None:
        pytest.fail("node is not installed: the React example cannot be built: install Node.js 20+")
    npm_ci(EXAMPLE)
    out = tmp_path_factory.mktemp("react-chat-dist")
    vite = EXAMPLE / "node_modules" / ".bin" / "vite"
    result = subprocess.run(
        [str(vite), "build", "--outDir", str(out), "--emptyOutDir", "--logLevel", "warn"],
        cwd=EXAMPLE, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, f"vite build failed:\n{result.stdout}\n{result.stderr}"
    return out


@pytest.fixture(scope="module")
def base(built: Path) -> Iterator[str]:
    from starlette.staticfiles import StaticFiles

    app = create_app(make_agent, page=False)
    app.mount("/", StaticFiles(directory=built, html=True))
    with serving(app) as url:
        yield url


def page(browser: Any) -> dict[str, Any]:
    script = """
        const all = (sel, f) => [...document.querySelectorAll(sel)].map(f);
        const last = [...document.querySelectorAll('.message.assistant')].at(-1);
        return {
            status: document.getElementById('status').dataset.status,
            texts: last ? [...last.querySelectorAll('.text')].map(e => e.textContent) : [],
            tools: all('.message.assistant:last-child .tool', e => ({
                name: e.dataset.tool, state: e.dataset.state,
                input: e.querySelector('.tool-input')?.textContent,
                output: e.querySelector('.tool-output')?.textContent})),
            handoffs: all('.message.assistant:last-child .handoff', e => e.textContent),
            agents: all('.message.assistant:last-child .agent', e => e.textContent),
            runId: last ? last.dataset.runId : null,
            stopDisabled: document.getElementById('stop').disabled,
        };
    """
    state: dict[str, Any] = browser.execute_script(script)
    return state


def ask(browser: Any, prompt: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = browser.find_element(By.ID, "prompt")
    box.send_keys(prompt, Keys.ENTER)


def test_text_and_a_tool_card_stream_into_the_page(browser: Any, base: str) -> None:
    browser.get(f"{base}/")
    until(browser, lambda d: page(d)["status"] == "ready", "the React app to render")
    ask(browser, "tool please")
    states: set[str] = set()

    def finished(driver: Any) -> Any:
        state = page(driver)
        states.update(t["state"] for t in state["tools"])
        return state["status"] == "ready" and state["texts"][-1:] == ["It is sunny."] and state

    final = until(browser, finished, "the tool card and the answer")
    assert final["tools"] == [
        {
            "name": "lookup",
            "state": "output-available",
            "input": '{"q":"weather"}',
            "output": '"found: weather is sunny"',
        }
    ]
    assert final["texts"] == ["Let me look that up.", "It is sunny."]
    assert final["agents"] == ["agent: triage"]
    assert "output-available" in states
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []


def test_a_handoff_shows_from_its_data_part(browser: Any, base: str) -> None:
    browser.get(f"{base}/")
    until(browser, lambda d: page(d)["status"] == "ready", "the React app to render")
    ask(browser, "handoff please")
    final = until(
        browser, lambda d: (s := page(d))["status"] == "ready" and s["texts"] and s, "the answer"
    )
    assert final["handoffs"] == ["handoff: triage → billing"]
    assert final["agents"] == ["agent: triage", "agent: billing"]
    assert final["texts"] == ["Billing here, how can I help?"]


def test_stop_stops_the_stream_and_the_run(browser: Any, base: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{base}/")
    until(browser, lambda d: page(d)["status"] == "ready", "the React app to render")
    ask(browser, "slow please")
    until(browser, lambda d: (s := page(d))["texts"] and not s["stopDisabled"], "streamed text")
    browser.find_element(By.ID, "stop").click()
    final = until(browser, lambda d: (s := page(d))["status"] == "ready" and s, "the stop")
    assert len("".join(final["texts"])) < len("tick " * 150)
    assert final["stopDisabled"] is True
    with httpx.Client(timeout=20) as client:
        events = client.get(f"{base}/runs/{final['runId']}/events").text
    done = [line for line in events.splitlines() if line.startswith("data: ")][-1]
    assert json.loads(done.removeprefix("data: ")) == {"type": "done", "status": "cancelled"}
