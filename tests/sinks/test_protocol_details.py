"""Both UI protocols on the rarer events: reasoning, cut-off responses, restarts, bad
arguments, a failing sub-run, and the AG-UI endpoint without its extra."""

from __future__ import annotations

import sys
from typing import Any

import reactivex
from ag_ui.core import EventType
from openai.types.responses import (
    ResponseIncompleteEvent,
    ResponseReasoningSummaryTextDeltaEvent,
    ResponseReasoningSummaryTextDoneEvent,
)
from openai.types.responses.response import IncompleteDetails

from rxagents import Agent, Runner, function_tool
from rxagents.events import RunRestartedStreamEvent
from rxagents.sinks.agui import agui_events
from rxagents.sinks.ai_sdk import ui_message_chunks
from rxagents.testing import ScriptedModel, StreamBuilder, collect, raise_error, text, tool_call
from tests.sinks.ui_grammar import ui_stream_violations


def reasoning_then_cut_off() -> list[Any]:
    b = StreamBuilder(agent="thinker")
    created = b.response_created()
    summary = [
        b.raw(ResponseReasoningSummaryTextDeltaEvent(
            type="response.reasoning_summary_text.delta", item_id="rs_1", output_index=0,
            summary_index=0, delta=piece, sequence_number=n))
        for n, piece in enumerate(["Think", "ing"])
    ]  # fmt: skip
    done = b.raw(ResponseReasoningSummaryTextDoneEvent(
        type="response.reasoning_summary_text.done", item_id="rs_1", output_index=0,
        summary_index=0, text="Thinking", sequence_number=3))  # fmt: skip
    message = b.message("Half an ans", chunks=["Half ", "an ans"])
    completed = b.response_completed()
    cut = completed.data.response.model_copy(  # type: ignore[union-attr]
        update={"status": "incomplete",
                "incomplete_details": IncompleteDetails(reason="max_output_tokens")}
    )  # fmt: skip
    incomplete = b.raw(
        ResponseIncompleteEvent(type="response.incomplete", response=cut, sequence_number=9)
    )
    return [b.agent_updated(), created, *summary, done, *message, incomplete, b.completed("x")]


async def test_reasoning_and_a_cut_off_answer_in_the_ui_stream() -> None:
    chunks = list(await collect(reactivex.from_iterable(reasoning_then_cut_off()).pipe(
        ui_message_chunks())))  # fmt: skip
    kinds = [c["type"] for c in chunks]
    assert kinds[3:7] == ["reasoning-start", "reasoning-delta", "reasoning-delta", "reasoning-end"]
    assert "".join(c["delta"] for c in chunks if c["type"] == "reasoning-delta") == "Thinking"
    assert chunks[-1]["finishReason"] == "length"
    assert ui_stream_violations(chunks) == []


async def test_reasoning_in_agui() -> None:
    events = list(await collect(reactivex.from_iterable(reasoning_then_cut_off()).pipe(
        agui_events("t", "r"))))  # fmt: skip
    kinds = [e.type for e in events]
    start = kinds.index(EventType.REASONING_START)
    assert kinds[start : start + 5] == [
        EventType.REASONING_START, EventType.REASONING_MESSAGE_START,
        EventType.REASONING_MESSAGE_CONTENT, EventType.REASONING_MESSAGE_CONTENT,
        EventType.REASONING_MESSAGE_END,
    ]  # fmt: skip
    assert kinds[start + 5] == EventType.REASONING_END


async def test_a_restart_is_a_data_part_and_a_custom_event() -> None:
    b = StreamBuilder(agent="a")
    restart = RunRestartedStreamEvent(
        run_id=b.run_id, sequence_number=99, attempt=2, reason="worker lost"
    )
    events = [b.agent_updated(), b.response_created(), *b.message("x"), restart, b.completed("x")]
    chunks = list(await collect(reactivex.from_iterable(events).pipe(ui_message_chunks())))
    assert {"type": "data-restart", "data": {"attempt": 2, "reason": "worker lost"}} in chunks
    agui = list(await collect(reactivex.from_iterable(events).pipe(agui_events("t", "r"))))
    custom = [(e.name, e.value) for e in agui if e.type == EventType.CUSTOM]  # type: ignore[attr-defined]
    assert ("run_restarted", {"attempt": 2, "reason": "worker lost"}) in custom


@function_tool
def echo(q: str) -> str:
    """Echo."""
    return q


async def test_arguments_that_are_not_json_are_a_tool_input_error() -> None:
    model = ScriptedModel([[tool_call("echo", "{not json")], [text("sorry")]])
    run = Runner.run_streamed(Agent(name="a", model=model, tools=[echo]), "go")
    chunks = list(await collect(run.pipe(ui_message_chunks())))
    error = next(c for c in chunks if c["type"] == "tool-input-error")
    assert error["input"] == "{not json" and "not valid JSON" in error["errorText"]
    assert any(c["type"] == "tool-output-error" for c in chunks)
    assert ui_stream_violations(chunks) == []


def failing_sub_run() -> Agent[Any]:
    broken = Agent(name="broken", model=ScriptedModel([[raise_error(RuntimeError("down"))]]))
    model = ScriptedModel([[tool_call("broken", {"input": "x"})], [text("it failed")]])
    return Agent(name="boss", model=model, tools=[broken.as_tool("broken", "Fails.")])


async def test_a_failing_sub_run_is_marked_failed() -> None:
    chunks = list(await collect(Runner.run_streamed(failing_sub_run(), "go").pipe(
        ui_message_chunks())))  # fmt: skip
    subrun = [c["data"]["status"] for c in chunks if c["type"] == "data-subrun"]
    assert subrun[0] == "running" and subrun[-1] == "failed"
    assert any(c["type"] == "tool-output-error" for c in chunks)
    events = list(await collect(Runner.run_streamed(failing_sub_run(), "go").pipe(
        agui_events("t", "r"))))  # fmt: skip
    kinds = [e.type for e in events]
    assert EventType.SUBAGENT_ERROR in kinds and EventType.SUBAGENT_FINISHED not in kinds
    assert kinds[-1] == EventType.RUN_FINISHED


async def test_agui_endpoint_without_the_extra_answers_501(monkeypatch: Any) -> None:
    import httpx

    from rxagents.web import create_app

    for name in ("ag_ui", "ag_ui.core", "ag_ui.encoder"):
        monkeypatch.setitem(sys.modules, name, None)  # importing it raises ImportError
    monkeypatch.delitem(sys.modules, "rxagents.sinks.agui", raising=False)
    monkeypatch.delitem(sys.modules, "rxagents.sinks._agui_events", raising=False)
    app = create_app(Agent(name="a", model=ScriptedModel([[text("x")]])), page=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        response = await client.post("/agui", json={})
    assert response.status_code == 501
    assert response.json()["error"] == "agui_unavailable"
    assert "pip install -e '.[agui]'" in response.json()["message"]


@function_tool
def transfer_to_archive(note: str) -> str:
    """A plain tool whose name looks like a handoff."""
    return f"archived {note}"


async def test_a_live_agents_own_tool_named_like_a_handoff_is_a_tool() -> None:
    model = ScriptedModel([[tool_call("transfer_to_archive", {"note": "n"})], [text("done")]])
    agent = Agent(name="clerk", model=model, tools=[transfer_to_archive])
    chunks = list(await collect(Runner.run_streamed(agent, "go").pipe(ui_message_chunks())))
    kinds = [c["type"] for c in chunks]
    assert "tool-input-delta" in kinds and "tool-output-available" in kinds
    assert "data-handoff" not in kinds


async def test_agui_takes_a_restarted_turns_abandoned_messages_back() -> None:
    from tests.operators.test_turn_restarted import _run_events, _with_restart
    from tests.sinks.test_agui import violations

    clean = await _run_events()
    abandoned = await _run_events("Something else entirely, half written")
    for cut in (3, 8, 12, 20):
        crashed = _with_restart(clean, cut, abandoned)
        events = list(await collect(reactivex.from_iterable(crashed).pipe(agui_events("t", "r"))))
        assert violations(events) == []
        kinds = [e.type for e in events]
        restart = next(
            i for i, e in enumerate(events)
            if e.type == EventType.CUSTOM and e.name == "turn_restarted"  # type: ignore[attr-defined]
        )  # fmt: skip
        assert kinds[restart + 1] == EventType.MESSAGES_SNAPSHOT
        after = events[restart + 1].messages  # type: ignore[attr-defined]
        assert not any("Something" in str(getattr(m, "content", "")) for m in after)
        final = [e for e in events if e.type == EventType.MESSAGES_SNAPSHOT][-1]
        texts = [m.content for m in final.messages if m.role == "assistant" and m.content]  # type: ignore[attr-defined]
        assert texts == ["Let me check. ", "It is sunny and warm today."]
