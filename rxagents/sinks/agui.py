"""AG-UI: a run as Agent-User Interaction Protocol events, for ``@ag-ui/client``'s ``HttpAgent``.

Built on the protocol's own types (``ag_ui.core``, PyPI ``ag-ui-protocol``; the
``agui`` extra). docs/web.md has the mapping table.

- :func:`agui_events`: the operator, events -> ``ag_ui.core`` events; a failed
  run ends in RUN_ERROR and a cancelled one in RUN_FINISHED with a ``cancelled``
  outcome, then the stream completes.
- :func:`agui_stream` / :func:`agui_response`: ``data: {json}\\n\\n`` Server-Sent
  Events. LF only: the TypeScript client splits events on ``"\\n\\n"`` alone, so
  the CRLF separators sse-starlette writes by default would give it zero events.
- :func:`parse_agui_input`: a ``RunAgentInput`` request body as a run's input.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ag_ui.core import BaseEvent, RunAgentInput
from ag_ui.encoder import EventEncoder
from pydantic import ValidationError
from reactivex import Observable

from rxagents.errors import AgentsError, RunCancelled
from rxagents.events import StreamEvent
from rxagents.rx import ObservableIterator
from rxagents.sinks._adapter import adapt
from rxagents.sinks._agui_events import STATE_KEY, AGUIAdapter, state_view
from rxagents.sinks._disconnect import watch_disconnect

if TYPE_CHECKING:
    from starlette.responses import StreamingResponse

__all__ = [
    "STATE_KEY",
    "AGUIInputError",
    "AGUIRequest",
    "agui_events",
    "agui_response",
    "agui_stream",
    "parse_agui_input",
    "state_view",
]


class AGUIInputError(AgentsError):
    """A body that is not an AG-UI ``RunAgentInput`` (HTTP 422)."""


@dataclass(frozen=True)
class AGUIRequest:
    """An AG-UI run request, read.

    Attributes:
        thread_id: the conversation (``threadId``).
        run_id: this run (``runId``), echoed in RUN_STARTED and RUN_FINISHED.
        input: the messages (and ``context``, as a leading developer message) as
            Responses input items, for ``Runner``.
        state: the client's ``state``.
        messages: the request's messages as JSON (the start of MESSAGES_SNAPSHOT).
        tools: the client's tools (``tools``): listed, not run (the agent's own
            tools run on the server).
        forwarded_props: ``forwardedProps``, untouched.
    """

    thread_id: str
    run_id: str
    input: list[dict[str, Any]]
    state: Any
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    forwarded_props: Any


def parse_agui_input(body: Any) -> AGUIRequest:
    """Read a ``RunAgentInput`` body (unknown fields are ignored).

    Raises:
        AGUIInputError: the body is not a valid ``RunAgentInput``, or has no user message.
    """
    try:
        request = RunAgentInput.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the body"
        raise AGUIInputError(
            f"not an AG-UI RunAgentInput: {where}: {first['msg']} "
            '(send {"threadId", "runId", "messages": [...]})'
        ) from None
    messages = [m.model_dump(mode="json", by_alias=True) for m in request.messages]
    items = _context_items(request) + _message_items(messages)
    if not any(item.get("role") == "user" for item in items):
        raise AGUIInputError("the RunAgentInput has no user message with content to answer")
    return AGUIRequest(
        thread_id=request.thread_id,
        run_id=request.run_id,
        input=items,
        state=request.state,
        messages=messages,
        tools=[t.model_dump(mode="json", by_alias=True) for t in request.tools or []],
        forwarded_props=request.forwarded_props,
    )


def _context_items(request: RunAgentInput) -> list[dict[str, Any]]:
    if not request.context:
        return []
    lines = [f"- {c.description}: {c.value}" for c in request.context]
    return [{"role": "developer", "content": "Context from the application:\n" + "\n".join(lines)}]


def _message_items(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for message in messages:
        role, content = message.get("role"), message.get("content")
        if role == "user":
            parts = _user_parts(content)
            if parts:
                items.append({"role": "user", "content": parts})
        elif role in ("system", "developer") and isinstance(content, str):
            items.append({"role": role, "content": content})
        elif role == "assistant":
            if isinstance(content, str) and content:
                items.append(
                    {"type": "message", "role": "assistant",
                     "content": [{"type": "output_text", "text": content, "annotations": []}]}
                )  # fmt: skip
            for call in message.get("toolCalls") or []:
                function = call.get("function") or {}
                items.append(
                    {"type": "function_call", "call_id": call.get("id"),
                     "name": function.get("name"), "arguments": function.get("arguments", "")}
                )  # fmt: skip
        elif role == "tool":
            output = content if isinstance(content, str) else json.dumps(content)
            items.append(
                {"type": "function_call_output", "call_id": message.get("toolCallId"),
                 "output": output}
            )  # fmt: skip
    return items


def _user_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "input_text", "text": content}] if content else []
    parts: list[dict[str, Any]] = []
    for part in content or []:
        kind = part.get("type")
        source = part.get("source") or {}
        if kind == "text" and part.get("text"):
            parts.append({"type": "input_text", "text": part["text"]})
        elif kind == "image" and source.get("type") == "url" and source.get("value"):
            parts.append({"type": "input_image", "image_url": source["value"]})
    return parts


def agui_events(
    thread_id: str, run_id: str, *, state: Any = None, history: list[dict[str, Any]] | None = None
) -> Callable[[Observable[StreamEvent]], Observable[BaseEvent]]:
    """A run's events as AG-UI events.

    .. marble::
        -a----r1---t-----o----R|
        [ agui_events("t1", "r1") ]
        -(RS,SS,C)-(ST,TS,TC)-(TE,TCS,TCA,TCE)-TR-(SF,SD,MS,RF)|

        RS=RUN_STARTED SS=STATE_SNAPSHOT C=CUSTOM agent_updated ST/SF=STEP_STARTED/
        FINISHED TS/TC/TE=TEXT_MESSAGE_START/CONTENT/END TCS/TCA/TCE/TR=TOOL_CALL_
        START/ARGS/END/RESULT SD=STATE_DELTA MS=MESSAGES_SNAPSHOT RF=RUN_FINISHED

    Args:
        thread_id: the request's ``threadId``.
        run_id: the request's ``runId``.
        state: the client's state; the run's own state (:func:`state_view`) is
            shared under ``"rxagents"`` in it, as STATE_SNAPSHOT then STATE_DELTA
            JSON Patches.
        history: the request's messages as JSON, for the final MESSAGES_SNAPSHOT.
    """

    return adapt(lambda: AGUIAdapter(thread_id, run_id, state=state, history=history))


async def agui_stream(
    events: Observable[StreamEvent], request: AGUIRequest, *, maxsize: int = 256
) -> AsyncIterator[str]:
    """Subscribe to ``events`` and yield them encoded as AG-UI Server-Sent Events.

    Closing this generator (the client went away) disposes the subscription.
    """
    adapter = AGUIAdapter(
        request.thread_id, request.run_id, state=request.state, history=request.messages
    )
    encode = EventEncoder().encode
    tail: list[BaseEvent] = []
    async with ObservableIterator(events, maxsize) as iterator:
        try:
            async for event in iterator:
                for message in adapter.feed(event):
                    yield encode(message)
        except RunCancelled as exc:
            tail = adapter.cancelled(exc)
        except Exception as exc:
            tail = adapter.failed(exc)
    for message in tail:
        yield encode(message)


def agui_response(
    events: Observable[StreamEvent],
    request: AGUIRequest,
    *,
    headers: Mapping[str, str] | None = None,
    on_disconnect: Callable[[], Awaitable[None]] | None = None,
) -> StreamingResponse:
    """A Starlette/FastAPI response streaming ``events`` to an AG-UI client.

    Args:
        events: the run's events (cold ones start with the response and stop when
            the client goes away).
        request: the parsed request (:func:`parse_agui_input`).
        headers: extra response headers.
        on_disconnect: awaited if the client goes away before the end.

    Example:
        >>> @app.post("/agui")
        ... async def agui(request: Request) -> StreamingResponse:
        ...     run = parse_agui_input(await request.json())
        ...     return agui_response(Runner.run_streamed(agent, run.input), run)
    """
    from starlette.responses import StreamingResponse

    content: AsyncIterator[str] = agui_stream(events, request)
    if on_disconnect is not None:
        content = watch_disconnect(content, on_disconnect)
    base = {"content-type": "text/event-stream", "cache-control": "no-cache",
            "x-accel-buffering": "no"}  # fmt: skip
    return StreamingResponse(content, headers={**base, **(headers or {})})
