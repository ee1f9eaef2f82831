"""AG-UI: event order on any script (the client's verify rules), state patches, the request."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import reactivex
from ag_ui.core import BaseEvent, EventType
from hypothesis import given, settings

from rxagents import Runner
from rxagents.sinks._agui_events import state_view
from rxagents.sinks._json_patch import json_diff
from rxagents.sinks.agui import AGUIInputError, agui_events, agui_stream, parse_agui_input
from rxagents.snapshot import RunAccumulator
from rxagents.testing import collect
from rxagents.testing.script import Script
from rxagents.testing.strategies import scripts
from tests.web.client_agents import make_agent

T = EventType


def apply_patch(document: Any, patch: list[dict[str, Any]]) -> Any:
    """RFC 6902 add/remove/replace, enough to check our patches."""
    doc = copy.deepcopy(document)
    for op in patch:
        keys = [k.replace("~1", "/").replace("~0", "~") for k in op["path"].split("/")[1:]]
        if not keys:
            doc = op["value"]
            continue
        parent = doc
        for key in keys[:-1]:
            parent = parent[int(key)] if isinstance(parent, list) else parent[key]
        last = keys[-1]
        if isinstance(parent, list):
            if op["op"] == "add":
                parent.append(op["value"]) if last == "-" else parent.insert(int(last), op["value"])
            elif op["op"] == "remove":
                del parent[int(last)]
            else:
                parent[int(last)] = op["value"]
        elif op["op"] == "remove":
            del parent[last]
        else:
            parent[last] = op["value"]
    return doc


def violations(events: list[BaseEvent]) -> list[str]:
    """The rules @ag-ui/client's verifyEvents enforces, in Python."""
    problems: list[str] = []
    texts: dict[str, str | None] = {}
    calls: dict[str, str | None] = {}
    steps: set[tuple[str | None, str]] = set()
    subagents: set[str] = set()
    for n, event in enumerate(events):
        kind, sub = event.type, getattr(event, "subagent_run_id", None)
        if (n == 0) != (kind == T.RUN_STARTED):
            problems.append(f"{n}: RUN_STARTED must be first and only first")
        if kind == T.TEXT_MESSAGE_START:
            texts[event.message_id] = sub  # type: ignore[attr-defined]
        elif kind in (T.TEXT_MESSAGE_CONTENT, T.TEXT_MESSAGE_END):
            if texts.get(event.message_id, "?") != sub:  # type: ignore[attr-defined]
                problems.append(f"{n}: {kind} without its start (or another subagent's)")
            if kind == T.TEXT_MESSAGE_END:
                texts.pop(event.message_id, None)  # type: ignore[attr-defined]
        elif kind == T.TOOL_CALL_START:
            calls[event.tool_call_id] = sub  # type: ignore[attr-defined]
        elif kind in (T.TOOL_CALL_ARGS, T.TOOL_CALL_END):
            if calls.get(event.tool_call_id, "?") != sub:  # type: ignore[attr-defined]
                problems.append(f"{n}: {kind} without its start")
            if kind == T.TOOL_CALL_END:
                calls.pop(event.tool_call_id, None)  # type: ignore[attr-defined]
        elif kind == T.STEP_STARTED:
            steps.add((sub, event.step_name))  # type: ignore[attr-defined]
        elif kind == T.STEP_FINISHED:
            if (sub, event.step_name) not in steps:  # type: ignore[attr-defined]
                problems.append(f"{n}: STEP_FINISHED of a step not started")
            steps.discard((sub, event.step_name))  # type: ignore[attr-defined]
        elif kind == T.SUBAGENT_STARTED:
            subagents.add(event.subagent_run_id)  # type: ignore[attr-defined]
        elif kind in (T.SUBAGENT_FINISHED, T.SUBAGENT_ERROR):
            subagents.discard(event.subagent_run_id)  # type: ignore[attr-defined]
        elif kind == T.RUN_FINISHED and (texts or calls or steps or subagents):
            problems.append(f"{n}: RUN_FINISHED with {texts} {calls} {steps} {subagents} open")
        if kind in (T.RUN_FINISHED, T.RUN_ERROR) and n != len(events) - 1:
            problems.append(f"{n}: events after {kind}")
    if events and events[-1].type not in (T.RUN_FINISHED, T.RUN_ERROR):
        problems.append("the run does not end with RUN_FINISHED or RUN_ERROR")
    return problems


@settings(max_examples=40, deadline=None)
@given(script=scripts())
async def test_every_scripted_run_keeps_the_clients_rules(script: Script) -> None:
    run = script.build()
    events: list[BaseEvent] = list(
        await collect(run.run_streamed("hi").pipe(agui_events("t", "r", state={"mine": 1})))
    )
    assert violations(events) == []
    snapshot = next(e for e in events if e.type == T.STATE_SNAPSHOT)
    state = snapshot.snapshot  # type: ignore[attr-defined]
    for event in events:
        if event.type == T.STATE_DELTA:
            state = apply_patch(state, [op.model_dump(by_alias=True) for op in event.delta])  # type: ignore[attr-defined]
    assert state["mine"] == 1
    if script.error is None:
        assert events[-1].type == T.RUN_FINISHED
        assert state["rxagents"]["complete"] is True
        assert state["rxagents"]["agent"] == script.last_agent
        assert len(state["rxagents"]["toolCalls"]) == script.tool_calls
    else:
        assert events[-1].type == T.RUN_ERROR
        assert events[-1].code == script.error.__name__  # type: ignore[attr-defined]


async def test_the_state_patches_rebuild_the_state_view() -> None:
    accumulator, last = RunAccumulator(), None
    events = await collect(Runner.run_streamed(make_agent(), "subagent please"))
    for event in events:
        last = accumulator.add(event)
    assert last is not None
    out: list[BaseEvent] = list(
        await collect(reactivex.from_iterable(events).pipe(agui_events("t", "r")))
    )
    state = out[1].snapshot  # type: ignore[attr-defined]
    for event in out:
        if event.type == T.STATE_DELTA:
            state = apply_patch(state, [op.model_dump(by_alias=True) for op in event.delta])  # type: ignore[attr-defined]
    assert state["rxagents"] == state_view(last)
    assert state["rxagents"]["toolCalls"][0]["status"] == "done"


def test_json_diff_round_trips() -> None:
    pairs = [
        ({"a": [1, 2], "b": {"c": 1}}, {"a": [1, 3, 4], "b": {}, "d": None}),
        ({"x": [1, 2, 3]}, {"x": [1]}),
        ({"a/b": 1, "t~": 2}, {"a/b": 2}),
        ({"k": 1}, {"k": True}),
    ]
    for old, new in pairs:
        assert apply_patch(old, json_diff(old, new)) == new
    assert json_diff({"a": 1}, {"a": 1}) == []


async def test_stream_is_lf_framed_json() -> None:
    request = parse_agui_input(
        {
            "threadId": "t",
            "runId": "r",
            "messages": [{"id": "u", "role": "user", "content": "framing"}],
        }
    )
    pieces = [
        p async for p in agui_stream(Runner.run_streamed(make_agent(), request.input), request)
    ]
    assert all(p.startswith("data: ") and p.endswith("\n\n") and "\r" not in p for p in pieces)
    assert all(p.count("\n") == 2 for p in pieces)
    types = [json.loads(p[6:])["type"] for p in pieces]
    assert types[0] == "RUN_STARTED" and types[-1] == "RUN_FINISHED"


def test_run_agent_input_becomes_run_input() -> None:
    request = parse_agui_input(
        {
            "threadId": "t1", "runId": "r1", "unknownField": {"ignored": True},
            "state": {"count": 2}, "forwardedProps": {"x": 1},
            "tools": [{"name": "confirm", "description": "Ask the user", "parameters": {}}],
            "context": [{"description": "user name", "value": "Ada"}],
            "messages": [
                {"id": "s", "role": "system", "content": "Be brief."},
                {"id": "u1", "role": "user", "content": "hi"},
                {"id": "a1", "role": "assistant", "content": "Looking.", "toolCalls": [
                    {"id": "c1", "type": "function",
                     "function": {"name": "lookup", "arguments": '{"q": "x"}'}}]},
                {"id": "t1", "role": "tool", "toolCallId": "c1", "content": "found"},
                {"id": "u2", "role": "user", "content": [
                    {"type": "text", "text": "and this"},
                    {"type": "image", "source": {"type": "url", "value": "https://e.x/a.png"}}]},
                {"id": "x", "role": "activity", "activityType": "p", "content": {}},
            ],
        }
    )  # fmt: skip
    assert (request.thread_id, request.run_id) == ("t1", "r1")
    assert request.state == {"count": 2} and request.forwarded_props == {"x": 1}
    assert [t["name"] for t in request.tools] == ["confirm"]
    assert request.input == [
        {"role": "developer", "content": "Context from the application:\n- user name: Ada"},
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        {"type": "message", "role": "assistant",
         "content": [{"type": "output_text", "text": "Looking.", "annotations": []}]},
        {"type": "function_call", "call_id": "c1", "name": "lookup", "arguments": '{"q": "x"}'},
        {"type": "function_call_output", "call_id": "c1", "output": "found"},
        {"role": "user", "content": [{"type": "input_text", "text": "and this"},
                                     {"type": "input_image", "image_url": "https://e.x/a.png"}]},
    ]  # fmt: skip
    assert [m["id"] for m in request.messages] == ["s", "u1", "a1", "t1", "u2", "x"]


@pytest.mark.parametrize(
    "body",
    [None, [], {"threadId": "t"}, {"threadId": "t", "runId": "r", "messages": []},
     {"threadId": "t", "runId": "r",
      "messages": [{"id": "a", "role": "assistant", "content": "x"}]}],
)  # fmt: skip
def test_refused_inputs_say_why(body: Any) -> None:
    with pytest.raises(AGUIInputError, match="RunAgentInput"):
        parse_agui_input(body)
