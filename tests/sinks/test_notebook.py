"""The notebook view: a display handle updated live, and a real Jupyter kernel."""

from __future__ import annotations

import asyncio
import textwrap
from typing import Any

import pytest

from rxagents import Agent, Runner, function_tool
from rxagents.errors import ModelConnectionError, UserError
from rxagents.sinks.live import RunsView
from rxagents.sinks.notebook import display_run, render_html
from rxagents.testing import ScriptedModel, raise_error, text, tool_call
from tests.sinks.view_scenarios import poet, travel_desk, writer_with_researcher


class FakeHandle:
    """Records what ``display_run`` draws, like an IPython DisplayHandle would."""

    def __init__(self) -> None:
        self.updates: list[str] = []

    def update(self, obj: Any) -> None:
        self.updates.append(obj._repr_html_())


async def test_display_run_returns_at_once_and_updates_the_handle_live() -> None:
    handle = FakeHandle()
    runs = {
        "desk": Runner.run_streamed(travel_desk(delay=0.01), "trip"),
        "poet": Runner.run_streamed(poet(delay=0.01), "poem"),
    }
    live = display_run(runs, labels={"desk": "scripted"}, handle=handle, fps=20)
    assert not live.done and handle.updates == []  # nothing ran yet: the loop is ours
    watched = await live
    assert live.done
    final = handle.updates[-1]
    assert "Booked: a sunny trip to Paris at noon." in final
    assert "Rivers run to the sea, never full." in final
    assert (
        "✓ <code>get_weather({&quot;city&quot;: &quot;Paris&quot;})</code> → sunny in Paris"
        in final
    )
    assert "↪ handed off to booking" in final
    assert "desk: triage" in final and "scripted" in final
    assert final.count("complete") == 2
    # throttled: far fewer updates than events, but the run was shown while it ran
    assert 2 <= len(handle.updates) < len(watched.events) / 2
    assert set(watched.results) == {"desk", "poet"}


async def test_a_running_tool_is_shown_until_its_result_arrives() -> None:
    @function_tool
    async def slow_lookup(term: str) -> str:
        """Look a term up, slowly."""
        await asyncio.sleep(0.4)
        return f"{term}: found"

    agent = Agent(
        "researcher",
        model=ScriptedModel([[tool_call("slow_lookup", {"term": "rx"})], [text("Done.")]]),
        tools=[slow_lookup],
    )
    handle = FakeHandle()
    await display_run(Runner.run_streamed(agent, "x"), handle=handle, fps=20)
    running = [i for i, html in enumerate(handle.updates) if "⏳" in html and "running…" in html]
    done = [i for i, html in enumerate(handle.updates) if "✓ <code>slow_lookup" in html]
    assert running and done and max(running) < min(done)
    assert "rx: found" in handle.updates[-1]


async def test_a_failed_run_is_shown_and_raised() -> None:
    handle = FakeHandle()
    agent = Agent(
        "flaky", model=ScriptedModel([[text("half"), raise_error(ModelConnectionError("cut"))]])
    )
    live = display_run(Runner.run_streamed(agent, "x"), handle=handle)
    with pytest.raises(ModelConnectionError):
        await live
    assert "ModelConnectionError: cut" in handle.updates[-1]


async def test_cancel_stops_the_run() -> None:
    handle = FakeHandle()
    slow = Agent("slow", model=ScriptedModel([[text("x" * 200, chunk_size=1, delay=0.01)]]))
    live = display_run(Runner.run_streamed(slow, "x"), handle=handle)
    await asyncio.sleep(0.05)
    live.cancel()
    with pytest.raises(asyncio.CancelledError):
        await live
    assert slow.model.requests  # type: ignore[union-attr]  # it did start


def test_model_text_is_escaped() -> None:
    async def go() -> RunsView:
        from rxagents.rx import aiter
        from rxagents.sinks.live import view_states

        agent = Agent("x", model=ScriptedModel([[text("<script>alert(1)</script>")]]))
        views = [v async for v in aiter(Runner.run_streamed(agent, "x").pipe(view_states()))]
        return views[-1]

    html = render_html(asyncio.run(go()))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_display_run_needs_a_running_loop() -> None:
    with pytest.raises(UserError, match="running event loop"):
        display_run(Runner.run_streamed(poet(), "x"), handle=FakeHandle())


async def test_display_run_outside_ipython_points_to_the_terminal_view() -> None:
    with pytest.raises(UserError, match=r"rxagents\.sinks\.show"):
        display_run(Runner.run_streamed(poet(), "x"))


# -- a real Jupyter kernel ---------------------------------------------------------

SETUP = textwrap.dedent(
    """
    from rxagents import Agent, Runner, function_tool
    from rxagents.sinks import display_run
    from rxagents.testing import ScriptedModel, text

    def slow_agent(words):
        return Agent("slow", model=ScriptedModel([[text(words, chunk_size=2, delay=0.05)]]))
    """
)


WAIT_FOR_DISPLAYS = textwrap.dedent(
    """
    import asyncio

    def displaying():
        return [t for t in asyncio.all_tasks() if "display_run" in t.get_coro().__qualname__]

    while displaying():
        await asyncio.wait(displaying())
    """
)


def _execute(
    client: Any, code: str, seen: list[tuple[str, dict[str, Any]]], timeout: float = 30
) -> list[tuple[str, dict[str, Any]]]:
    """Run one cell; return its iopub messages until the kernel is idle again.

    Every message read, from this cell or an earlier one (a display updated by a
    task after its cell ended), is also appended to ``seen``.
    """
    msg_id = client.execute(code)
    messages: list[tuple[str, dict[str, Any]]] = []
    while True:
        msg = client.get_iopub_msg(timeout=timeout)
        kind = msg["msg_type"]
        seen.append((kind, msg["content"]))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            return messages
        if kind == "error":
            raise AssertionError("\n".join(msg["content"]["traceback"]))
        messages.append((kind, msg["content"]))


def test_in_a_real_kernel_a_run_displays_live_without_blocking_the_cell() -> None:
    jupyter_client = pytest.importorskip("jupyter_client")
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    seen: list[tuple[str, dict[str, Any]]] = []
    words = "a b c d e f g h i j k l"
    try:
        _execute(client, SETUP, seen)
        # The cell returns before the run ends: the run is a task on the kernel's loop.
        start = f'live = display_run(Runner.run_streamed(slow_agent("{words}"), "go"))'
        first = _execute(client, f"{start}\nprint(live.done)", seen)
        shown = [c for kind, c in first if kind == "display_data"]
        assert len(shown) == 1
        display_id = shown[0]["transient"]["display_id"]
        assert ("stream", {"name": "stdout", "text": "False\n"}) in first
        # Another cell awaits it on the same loop.
        second = _execute(client, "w = await live\nprint(w.results[None].final_output)", seen)
        assert ("stream", {"name": "stdout", "text": f"{words}\n"}) in second
        updates = [c for kind, c in seen if kind == "update_display_data"]
        assert len(updates) >= 2
        assert all(u["transient"]["display_id"] == display_id for u in updates)
        assert words in updates[-1]["data"]["text/html"]
        assert words not in updates[0]["data"]["text/html"]  # it was shown while streaming
        # A stream left as a cell's value displays itself and runs live.
        fourth = _execute(client, 'Runner.run_streamed(slow_agent("shown by itself"), "x")', seen)
        (own,) = [c for kind, c in fourth if kind == "display_data"]
        own_id = own["transient"]["display_id"]
        _execute(client, WAIT_FOR_DISPLAYS, seen)
        own_updates = [
            c["data"]["text/html"]
            for kind, c in seen
            if kind == "update_display_data" and c["transient"]["display_id"] == own_id
        ]
        assert own_updates and "shown by itself" in own_updates[-1]
        # Plain `await` of a stream works in a cell too (the kernel's loop runs it).
        code = 'r = await Runner.run_streamed(slow_agent("done"), "x")\nprint(r.final_output)'
        third = _execute(client, code, seen)
        assert ("stream", {"name": "stdout", "text": "done\n"}) in third
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


async def test_an_agent_used_as_a_tool_gets_its_own_box() -> None:
    from rxagents.rx import aiter
    from rxagents.sinks.live import view_states

    stream = Runner.run_streamed(writer_with_researcher(), "foxes").pipe(view_states())
    views = [view async for view in aiter(stream)]
    html = render_html(views[-1])
    assert "research: researcher" in html and "Foxes live in dens." in html
    assert "writer" in html and "Summary: dens." in html
