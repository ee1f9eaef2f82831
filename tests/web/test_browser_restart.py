"""The page honours a durable run's ``turn_restarted``: the abandoned attempt's text goes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import reactivex
from reactivex import Observable

from rxagents.events import StreamEvent
from rxagents.web import create_app
from tests.operators.test_turn_restarted import _run_events, _with_restart
from tests.web.support import serving
from tests.web.test_browser import browser, page_state, send_prompt, until

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the module-scoped fixture, shared with test_browser


class ReplayBackend:
    """Serves one recorded stream for every run (a RunBackend)."""

    def __init__(self, events: list[StreamEvent]) -> None:
        self.recorded = events

    async def start(self, input: Any) -> str:
        return str(self.recorded[0].run_id)

    async def events(self, run_id: str, after: int | None = None) -> Observable[StreamEvent]:
        start = -1 if after is None else after
        return reactivex.from_iterable([e for e in self.recorded if e.sequence_number > start])

    async def cancel(self, run_id: str) -> None:
        return None

    async def aclose(self) -> None:
        return None


def test_text_of_an_abandoned_turn_attempt_leaves_the_page(browser: Any) -> None:
    clean = asyncio.run(_run_events())
    abandoned = asyncio.run(_run_events("Something else entirely, half written"))
    crashed = _with_restart(clean, 14, abandoned)
    assert "Something" in "".join(
        e.data.delta
        for e in crashed
        if getattr(getattr(e, "data", None), "type", "").endswith("delta")
    )
    with serving(create_app(backend=ReplayBackend(crashed))) as base:
        send_prompt(browser, base, "weather?")
        final = until(
            browser, lambda d: (s := page_state(d))["status"] == "completed" and s, "completion"
        )
    assert final["text"] == "Let me check. It is sunny and warm today."
    assert final["calls"] == ['tool call: lookup({"q": "x"})']
    assert final["agents"][-1].startswith("turn restarted: turn 2, attempt 2")
