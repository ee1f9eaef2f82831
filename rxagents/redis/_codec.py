"""How events, end markers and errors are stored in a Redis Stream entry.

The entry id of the event with ``sequence_number`` *n* is ``<n+1>-0`` (so the
number is not stored again); the end marker takes the id the next event would
have had. An entry's fields are one of:

* ``r`` + ``d``: a ``RawResponsesStreamEvent`` (the bulk of a run): its ``run_id``
  and its Responses event as JSON, written and read on a fast path (a few µs).
* ``n`` + ``d``: a ``NestedRunEvent`` wrapping a raw event (a sub-run's bulk): the
  wrapper's ``run_id``, ``path``, ``tools`` and the inner event's ``run_id`` and
  ``sequence_number`` as JSON, and the Responses event as JSON (fast path too).
* ``e``: any other event, as its JSON (through pydantic, with agents by name).
* ``end``: the end of a run: ``"completed"``, or ``"error"`` with an ``error``
  field holding ``{"type", "module", "message", "attrs"}``.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Union

from openai.types.responses import ResponseStreamEvent
from pydantic import Field, TypeAdapter

from rxagents.agent import Agent
from rxagents.errors import AgentsError
from rxagents.events import (
    NestedRunEvent,
    RawResponsesStreamEvent,
    RunCompletedStreamEvent,
    StreamEvent,
    raw_event,
    stream_event_adapter,
)
from rxagents.redis.errors import RemoteRunError

__all__ = [
    "AgentsArg",
    "Decoded",
    "agent_map",
    "decode_entry",
    "encode_error",
    "encode_event",
    "entry_id",
    "error_from_json",
    "sequence_of",
]

AgentsArg = Agent[Any] | Mapping[str, Agent[Any]] | Iterable[Agent[Any]] | None
"""Agents to restore from their names: one starting agent (its handoff graph is
walked), a ``{name: Agent}`` mapping, several agents, or ``None`` (bare ``Agent(name)``)."""


def _raw_adapter() -> TypeAdapter[Any]:
    """The Responses stream events as a union pydantic can discriminate on ``type``
    (openai's own annotation is not one pydantic reads, so it would try every member)."""
    members = typing.get_args(typing.get_args(ResponseStreamEvent)[0])
    union: Any = Union[tuple(members)]  # noqa: UP007
    return TypeAdapter(Annotated[union, Field(discriminator="type")])


_RAW = _raw_adapter()


def entry_id(sequence_number: int) -> str:
    """The stream entry id of the event with this ``sequence_number``."""
    return f"{sequence_number + 1}-0"


def sequence_of(entry: str | bytes) -> int:
    """The sequence number an entry id stands for (the inverse of :func:`entry_id`)."""
    text = entry.decode() if isinstance(entry, bytes) else entry
    return int(text.partition("-")[0]) - 1


def encode_event(event: StreamEvent, offset: int = 0) -> tuple[str, str, str]:
    """An event as ``(kind, a, b)`` for the publish script: ``("r", run_id, data JSON)``
    for a raw model event, else ``("e", event JSON, "")``; ``sequence_number`` moved by
    ``offset``."""
    if isinstance(event, RawResponsesStreamEvent):
        return "r", event.run_id, event.data.model_dump_json(by_alias=True)
    if isinstance(event, NestedRunEvent) and isinstance(event.event, RawResponsesStreamEvent):
        inner = event.event
        head = json.dumps(
            [event.run_id, list(event.path), list(event.tools), inner.run_id, inner.sequence_number]
        )
        return "n", head, inner.data.model_dump_json(by_alias=True)
    if offset:
        event = event.model_copy(update={"sequence_number": event.sequence_number + offset})
    return "e", event.model_dump_json(by_alias=True), ""


def agent_map(agents: AgentsArg) -> dict[str, Agent[Any]]:
    """``agents`` as a ``{name: Agent}`` mapping (a single Agent brings its handoff graph)."""
    if agents is None:
        return {}
    if isinstance(agents, Mapping):
        return dict(agents)
    todo: list[Agent[Any]] = [agents] if isinstance(agents, Agent) else list(agents)
    found: dict[str, Agent[Any]] = {}
    while todo:
        agent = todo.pop()
        if agent.name in found:
            continue
        found[agent.name] = agent
        todo.extend(h.agent for h in agent.get_handoffs())
    return found


def _decode_event(payload: str | bytes, agents: dict[str, Agent[Any]]) -> StreamEvent:
    event = stream_event_adapter.validate_json(payload, context={"agents": agents})
    if isinstance(event, RunCompletedStreamEvent):
        event = _typed_final_output(event)
    return event


def _typed_final_output(event: RunCompletedStreamEvent) -> RunCompletedStreamEvent:
    """Turn a structured final output (stored as JSON) back into its agent's output_type."""
    result = event.result
    output_type = getattr(result.last_agent, "output_type", None)
    if output_type is None or output_type is str or result.final_output is None:
        return event
    from rxagents.run._options import output_spec

    spec = output_spec(output_type)
    if spec is None:
        return event
    final = spec.adapter.validate_python(result.final_output)
    return event.model_copy(update={"result": result.model_copy(update={"final_output": final})})


Decoded = tuple[str, StreamEvent | AgentsError | None]
"""What an entry holds: ``("event", event)``, ``("completed", None)`` or ``("error", error)``."""


def decode_entry(
    sequence_number: int, fields: Mapping[Any, Any], agents: dict[str, Agent[Any]]
) -> Decoded:
    """Read one stream entry's fields (``bytes`` or ``str`` keys and values)."""
    data = fields.get(b"d", fields.get("d"))
    if data is not None:
        head = fields.get(b"n", fields.get("n"))
        if head is not None:
            run_id, path, tools, inner_run_id, inner_seq = json.loads(head)
            inner = raw_event(inner_run_id, inner_seq, _RAW.validate_json(data))
            nested: NestedRunEvent = NestedRunEvent._fast(
                run_id=run_id,
                sequence_number=sequence_number,
                path=tuple(path),
                tools=tuple(tools),
                event=inner,
            )
            return "event", nested
        run_id = fields.get(b"r", fields.get("r", ""))
        if isinstance(run_id, bytes):
            run_id = run_id.decode()
        return "event", raw_event(run_id, sequence_number, _RAW.validate_json(data))
    payload = fields.get(b"e", fields.get("e"))
    if payload is not None:
        return "event", _decode_event(payload, agents)
    end = fields.get(b"end", fields.get("end"))
    if isinstance(end, bytes):
        end = end.decode()
    if end == "completed":
        return "completed", None
    if end == "error":
        raw = fields.get(b"error", fields.get("error"))
        return "error", error_from_json(raw if raw is not None else "{}")
    raise AgentsError(
        f"a Redis stream entry holds neither an event nor an end marker (fields {sorted(fields)}); "
        "is another program writing to this key?"
    )


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def encode_error(error: BaseException) -> str:
    """An exception as the JSON of an error marker: class, module, message, simple attributes."""
    attrs = {k: v for k, v in vars(error).items() if not k.startswith("_") and _jsonable(v)}
    return json.dumps(
        {
            "type": type(error).__name__,
            "module": type(error).__module__,
            "message": str(error),
            "attrs": attrs,
        }
    )


def _known_errors() -> dict[tuple[str, str], type[AgentsError]]:
    found: dict[tuple[str, str], type[AgentsError]] = {}
    todo: list[type[AgentsError]] = [AgentsError]
    while todo:
        cls = todo.pop()
        found[(cls.__module__, cls.__name__)] = cls
        todo.extend(cls.__subclasses__())
    return found


def error_from_json(payload: str | bytes) -> AgentsError:
    """The typed error an error marker describes.

    An rxagents error class known in this process (``rxagents.errors``,
    ``rxagents.redis.errors``, ...) comes back as itself, with its message and
    simple attributes (``max_turns``, ``status_code``...); any other error as a
    :class:`RemoteRunError` naming the original class. Nothing is imported.
    """
    try:
        info = json.loads(payload)
        name, module, message = str(info["type"]), str(info["module"]), str(info["message"])
        attrs = dict(info.get("attrs") or {})
    except (ValueError, KeyError, TypeError):
        return RemoteRunError("an unreadable error", repr(payload)[:300])
    cls = _known_errors().get((module, name))
    if cls is None:
        return RemoteRunError(name, message)
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(attrs)
    return error
