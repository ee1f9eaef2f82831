"""The page end to end in headless Chromium: streamed text, tool calls, stop.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``dev.py`` installs
them for CI). If the browser cannot start, these tests fail: they never skip.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rxagents import Agent, function_tool
from rxagents.testing import text, tool_call
from rxagents.web import WebLimits, create_app
from tests.web.support import ProbeModel, serving

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
CONTENT = "Foxes are quick and brown; this one jumped over a lazy dog."


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except Exception as exc:
        missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
        pytest.fail(
            f"headless Chromium could not be started ({type(exc).__name__}: {exc}); "
            f"missing: {missing or 'nothing'}. Install the Debian packages chromium and "
            "chromium-driver (dev.py does it for CI)."
        )
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@function_tool
def lookup(q: str) -> str:
    """Look something up."""
    return f"found: {q}"


def until(browser: Any, condition: Any, what: str, timeout: float = 30) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout, poll_frequency=0.02).until(
        lambda driver: condition(driver), message=f"timed out waiting for {what}"
    )


def page_state(browser: Any) -> dict[str, Any]:
    script = """
        const texts = [...document.querySelectorAll('#output .text')].map(e => e.textContent);
        const of = sel => [...document.querySelectorAll(sel)].map(e => e.textContent);
        return {
            status: document.getElementById('status').dataset.status,
            text: texts.join(''),
            agents: of('#output .agent'),
            calls: of('#output .tool-call'),
            outputs: of('#output .tool-output'),
            nested: of('#output .nested'),
            errors: of('#output .error'),
            sendDisabled: document.getElementById('send').disabled,
            stopDisabled: document.getElementById('stop').disabled,
        };
    """
    state: dict[str, Any] = browser.execute_script(script)
    return state


def send_prompt(browser: Any, base: str, prompt: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{base}/")
    until(browser, lambda d: page_state(d)["status"] == "idle", "the page script to load")
    box = browser.find_element(By.ID, "prompt")
    box.send_keys(prompt)
    browser.find_element(By.ID, "send").click()


def test_typing_a_prompt_streams_text_tool_calls_and_agent(browser: Any) -> None:
    model = ProbeModel([[tool_call("lookup", {"q": "fox"})], [text(CONTENT, chunk_size=4)]])
    model.hold_after = 3
    with serving(create_app(Agent("fox-bot", model=model, tools=[lookup]))) as base:
        send_prompt(browser, base, "Tell me about foxes")

        # Part of the text is on the page while the model is still holding the rest.
        partial = until(
            browser, lambda d: (s := page_state(d))["text"] == CONTENT[:12] and s, "partial text"
        )
        assert model.holding.is_set() and not model.finished.is_set()
        assert partial["status"] == "running"
        assert partial["agents"] == ["agent: fox-bot"]
        assert partial["calls"] == ['tool call: lookup({"q": "fox"})']
        assert partial["outputs"] == ["tool output: found: fox"]
        assert partial["stopDisabled"] is False

        model.gate.set()
        final = until(
            browser, lambda d: (s := page_state(d))["status"] == "completed" and s, "completion"
        )
        assert final["text"] == CONTENT
        assert final["errors"] == []
        severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []  # no script error, CSP violation or failed request
        assert final["sendDisabled"] is False and final["stopDisabled"] is True


def test_an_agent_used_as_a_tool_streams_its_own_text_under_the_call(browser: Any) -> None:
    from rxagents.testing import ScriptedModel

    researcher = Agent(
        "researcher",
        model=ScriptedModel(
            [[tool_call("lookup", {"q": "fox"})], [text("Foxes live in dens.", chunk_size=5)]]
        ),
        tools=[lookup],
    )
    tool = researcher.as_tool("research", "Find facts")
    model = ProbeModel(
        [[tool_call("research", {"input": "foxes"})], [text("Summary: dens.", chunk_size=4)]]
    )
    with serving(create_app(Agent("writer", model=model, tools=[tool]))) as base:
        send_prompt(browser, base, "Write about foxes")
        final = until(
            browser, lambda d: (s := page_state(d))["status"] == "completed" and s, "completion"
        )
    assert final["nested"] == [
        'research: tool call: lookup({"q": "fox"})',
        "research: tool output: found: fox",
        "research: Foxes live in dens.",
    ]
    assert final["calls"] == ['tool call: research({"input": "foxes"})']
    assert final["outputs"] == ["tool output: Foxes live in dens."]
    assert final["text"] == "Summary: dens."  # the parent's text stays in its own blocks
    assert final["errors"] == []


def test_stop_cancels_the_run(browser: Any) -> None:
    from selenium.webdriver.common.by import By

    model = ProbeModel([[text(CONTENT, chunk_size=4)]], hold_after=2)
    with serving(create_app(Agent("bot", model=model))) as base:
        send_prompt(browser, base, "Start and then stop")
        until(browser, lambda d: page_state(d)["text"] == CONTENT[:8], "partial text")

        browser.find_element(By.ID, "stop").click()

        final = until(
            browser, lambda d: (s := page_state(d))["status"] == "cancelled" and s, "cancelled"
        )
        deadline = time.monotonic() + 15
        while not model.closed.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert model.closed.is_set(), "the model stream was not closed by the stop button"
        assert not model.finished.is_set()
        assert final["text"] == CONTENT[:8]
        assert final["sendDisabled"] is False


def test_a_refused_prompt_shows_the_server_message(browser: Any) -> None:
    model = ProbeModel([[text("never")]])
    app = create_app(Agent("bot", model=model), limits=WebLimits(max_input_chars=5))
    with serving(app) as base:
        send_prompt(browser, base, "far too long for the limit")
        final = until(
            browser, lambda d: (s := page_state(d))["status"] == "failed" and s, "refusal"
        )
    assert final["errors"] == ['refused: "input" has 26 characters; the limit is 5']
    assert not model.started.is_set()


def test_a_guardrail_trip_is_shown_as_a_stop_by_that_guardrail(browser: Any) -> None:
    import asyncio

    from rxagents import GuardrailFunctionOutput, input_guardrail

    model = ProbeModel([[text(CONTENT, chunk_size=4)]], hold_after=2)

    @input_guardrail
    async def no_foxes(ctx: Any, agent: Any, input: Any) -> GuardrailFunctionOutput:
        while not model.holding.is_set():  # decide once part of the answer is on the page
            await asyncio.sleep(0.01)
        return GuardrailFunctionOutput("about foxes", tripwire_triggered=True)

    with serving(create_app(Agent("bot", model=model, input_guardrails=[no_foxes]))) as base:
        send_prompt(browser, base, "Tell me about foxes")
        final = until(
            browser, lambda d: (s := page_state(d))["status"] == "blocked" and s, "the block"
        )
        cut = browser.execute_script(
            "return [...document.querySelectorAll('#output .text.cut')].map(e => e.textContent)"
        )
        status = browser.execute_script("return document.getElementById('status').textContent")
    assert final["errors"] == [
        "\u26d4 guardrail no_foxes stopped the run: input guardrail 'no_foxes' triggered its "
        "tripwire; the run was stopped (see .guardrail_result.output.output_info for why)"
    ]
    assert cut == [CONTENT[:8]]  # the text shown before the trip, struck through
    assert status == "blocked: guardrail no_foxes"
    assert model.closed.is_set() and not model.finished.is_set()
