"""The span bookkeeping behind :func:`otel_spans`: one :class:`_RunSpans` per (sub-)run."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import CompositeDisposable, Disposable

from rxagents.errors import UserError

try:
    from opentelemetry import context as otel_context
    from opentelemetry import trace
    from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, TracerProvider
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise UserError("rxagents.tracing needs OpenTelemetry: pip install -e '.[otel]'") from exc

__all__ = ["otel_spans"]

T = TypeVar("T")

_RAW_STARTS = "response.created"
_RAW_ENDS = frozenset({"response.completed", "response.incomplete", "response.failed"})


def otel_spans(
    tracer_provider: TracerProvider | None = None,
    *,
    capture_content: bool = False,
    scheduler: abc.SchedulerBase | None = None,
) -> Callable[[Observable[T]], Observable[T]]:
    """Record OpenTelemetry GenAI spans for the runs whose events pass through, unchanged.

    - ``invoke_agent {agent}`` from each ``AgentUpdatedStreamEvent`` (a handoff
      ends one and starts the next) to the run's end; ``gen_ai.agent.name``.
    - ``chat {model}`` per model call, under its agent's span, from
      ``response.created`` to ``response.completed`` (or incomplete / failed):
      ``gen_ai.operation.name``, ``gen_ai.request.model``, ``gen_ai.response.id``,
      ``gen_ai.response.model``, ``gen_ai.usage.input_tokens`` / ``output_tokens``,
      ``gen_ai.response.finish_reasons``.
    - ``execute_tool {tool}`` per tool call, under its agent's span, from
      ``tool_called`` to its ``tool_output``: ``gen_ai.tool.name``,
      ``gen_ai.tool.call.id``, ``gen_ai.tool.type``; a tool error sets status ERROR.
    - A sub-run (an agent used as a tool, seen as ``NestedRunEvent``) gets its own
      spans under the ``execute_tool`` span of the call that started it.

    A stream error ends every open span with status ERROR and ``error.type``;
    disposal (a cancelled run) and completion end them too. Span times are the
    moments the events pass (``scheduler.now`` when a scheduler is given or the
    subscription has one). Text, tool arguments and tool results are recorded
    only with ``capture_content=True`` (``gen_ai.output.messages``,
    ``gen_ai.tool.call.arguments``, ``gen_ai.tool.call.result``).

    .. marble::
        -u-c-t-o-R-|     u: agent updated, c: response.created, t/o: tool called/output, R: done
        [ otel_spans() ]
        -u-c-t-o-R-|     (the same events; spans invoke_agent u..R, chat c.., execute_tool t..o)

    Args:
        tracer_provider: where spans go; default: OpenTelemetry's global provider.
        capture_content: also record message text and tool arguments and results.
        scheduler: the clock for span times; default: the subscription's, else wall time.
    """

    def operator(source: Observable[T]) -> Observable[T]:
        def on_subscribe(
            observer: abc.ObserverBase[T], sub: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            return _subscribe(source, observer, sub)

        return Observable(on_subscribe)

    def _subscribe(
        source: Observable[T], observer: abc.ObserverBase[T], sub: abc.SchedulerBase | None
    ) -> abc.DisposableBase:
        provider = tracer_provider or trace.get_tracer_provider()
        tracer = provider.get_tracer("rxagents")
        clock = scheduler or sub
        spans = _Spans(tracer, otel_context.get_current(), capture_content, clock)

        def on_next(event: T) -> None:
            spans.see(event)
            observer.on_next(event)

        def on_error(error: Exception) -> None:
            spans.end_all(error)
            observer.on_error(error)

        def on_completed() -> None:
            spans.end_all(None)
            observer.on_completed()

        upstream = source.subscribe(on_next, on_error, on_completed, scheduler=sub)
        return CompositeDisposable(upstream, Disposable(spans.cancel))

    return operator


class _RunSpans:
    """The open spans of one run: its agent's, its model call's, its tools'."""

    __slots__ = ("agent", "chat", "chat_text", "parent", "tools")

    def __init__(self, parent: Any) -> None:
        self.parent = parent  # the OTel context this run's agent spans start in
        self.agent: Span | None = None
        self.chat: Span | None = None
        self.chat_text: list[str] = []
        self.tools: dict[str, Span] = {}

    def open_spans(self) -> list[Span]:
        """Innermost first, so children end before their parents."""
        found = [*self.tools.values(), *([self.chat] if self.chat else [])]
        return [*found, *([self.agent] if self.agent else [])]


class _Spans:
    """Every run seen by one subscription, keyed by its path (``(run_id,)`` at the top)."""

    def __init__(self, tracer: Tracer, parent: Any, content: bool, clock: Any) -> None:
        self.tracer = tracer
        self.parent = parent
        self.content = content
        self.clock = clock
        self.runs: dict[tuple[str, ...], _RunSpans] = {}

    def _now(self) -> int | None:
        if self.clock is None:
            return None
        return int(self.clock.now.timestamp() * 1_000_000_000)

    def _run(self, path: tuple[str, ...]) -> _RunSpans:
        run = self.runs.get(path)
        if run is None:
            parent = self.parent
            if len(path) >= 3:  # a sub-run: under the execute_tool span of its call
                outer = self.runs.get(path[:-2])
                tool = outer.tools.get(path[-2]) if outer is not None else None
                if tool is not None:
                    parent = trace.set_span_in_context(tool)
            run = self.runs[path] = _RunSpans(parent)
        return run

    def see(self, event: Any) -> None:
        kind = getattr(event, "type", None)
        if kind == "nested_run_event":
            inner = event.innermost
            self._see(self._run(tuple(event.path)), inner, inner.type, tuple(event.path))
        elif kind is not None and hasattr(event, "run_id"):
            path = (event.run_id,)
            self._see(self._run(path), event, kind, path)

    def _see(self, run: _RunSpans, event: Any, kind: str, path: tuple[str, ...]) -> None:
        if kind == "raw_response_event":
            self._raw(run, event.data)
        elif kind == "run_item_stream_event":
            self._item(run, event.name, event.item)
        elif kind == "agent_updated_stream_event":
            now = self._now()
            if run.agent is not None:
                run.agent.end(end_time=now)
            name = event.new_agent.name
            run.agent = self.tracer.start_span(
                f"invoke_agent {name}",
                context=run.parent,
                start_time=now,
                attributes={
                    "gen_ai.operation.name": "invoke_agent",
                    "gen_ai.agent.name": name,
                    "rxagents.run_id": event.run_id,
                },
            )
        elif kind == "run_completed_stream_event":
            self._end_run(run, None)
            del self.runs[path]

    def _under_agent(self, run: _RunSpans) -> Any:
        return trace.set_span_in_context(run.agent) if run.agent is not None else run.parent

    def _raw(self, run: _RunSpans, data: Any) -> None:
        kind = data.type
        if kind == "response.output_text.delta":
            if self.content and run.chat is not None:
                run.chat_text.append(data.delta)
        elif kind == _RAW_STARTS:
            model = data.response.model
            run.chat_text = []
            run.chat = self.tracer.start_span(
                f"chat {model}",
                context=self._under_agent(run),
                kind=SpanKind.CLIENT,
                start_time=self._now(),
                attributes={"gen_ai.operation.name": "chat", "gen_ai.request.model": model},
            )
        elif kind in _RAW_ENDS and run.chat is not None:
            self._end_chat(run, data)

    def _end_chat(self, run: _RunSpans, data: Any) -> None:
        span, response = run.chat, data.response
        assert span is not None
        span.set_attribute("gen_ai.response.id", response.id)
        span.set_attribute("gen_ai.response.model", response.model)
        span.set_attribute("gen_ai.response.finish_reasons", [_finish_reason(data)])
        if response.usage is not None:
            span.set_attribute("gen_ai.usage.input_tokens", response.usage.input_tokens)
            span.set_attribute("gen_ai.usage.output_tokens", response.usage.output_tokens)
        if self.content and run.chat_text:
            message = {
                "role": "assistant",
                "parts": [{"type": "text", "content": "".join(run.chat_text)}],
            }
            span.set_attribute("gen_ai.output.messages", json.dumps([message]))
        if data.type == "response.failed":
            span.set_status(Status(StatusCode.ERROR, "the model response failed"))
            span.set_attribute("error.type", "response.failed")
        span.end(end_time=self._now())
        run.chat = None

    def _item(self, run: _RunSpans, name: str, item: Any) -> None:
        if name == "tool_called":
            raw = item.raw_item
            attributes: dict[str, Any] = {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": raw.name,
                "gen_ai.tool.call.id": raw.call_id,
                "gen_ai.tool.type": "function",
            }
            if self.content:
                attributes["gen_ai.tool.call.arguments"] = raw.arguments
            run.tools[raw.call_id] = self.tracer.start_span(
                f"execute_tool {raw.name}",
                context=self._under_agent(run),
                start_time=self._now(),
                attributes=attributes,
            )
        elif name == "tool_output":
            span = run.tools.pop(item.raw_item["call_id"], None)
            if span is None:
                return
            if self.content:
                span.set_attribute("gen_ai.tool.call.result", item.raw_item["output"])
            if item.is_error:
                span.set_status(Status(StatusCode.ERROR, "the tool call failed"))
                span.set_attribute("error.type", "tool_error")
            span.end(end_time=self._now())

    def _end_run(
        self, run: _RunSpans, error: BaseException | None, cancelled: bool = False
    ) -> None:
        now = self._now()
        for span in run.open_spans():
            if error is not None:
                span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
                span.set_attribute("error.type", type(error).__qualname__)
            elif cancelled:
                span.set_attribute("rxagents.cancelled", True)
            span.end(end_time=now)
        run.tools.clear()
        run.chat = run.agent = None

    def end_all(self, error: BaseException | None, cancelled: bool = False) -> None:
        """End every open span, deepest runs first (the stream ended or was disposed)."""
        for path in sorted(self.runs, key=len, reverse=True):
            self._end_run(self.runs[path], error, cancelled)
        self.runs.clear()

    def cancel(self) -> None:
        self.end_all(None, cancelled=True)


def _finish_reason(data: Any) -> str:
    if data.type == "response.failed":
        return "error"
    if data.type == "response.incomplete":
        details = data.response.incomplete_details
        return str(getattr(details, "reason", None) or "length")
    output = data.response.output or []
    return (
        "tool_calls" if any(getattr(i, "type", None) == "function_call" for i in output) else "stop"
    )
