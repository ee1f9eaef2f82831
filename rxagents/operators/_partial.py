"""Structured output while it streams: progressively validated partial objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import TypeAdapter, ValidationError, create_model
from reactivex import Observable, abc

from rxagents.errors import ModelBehaviorError, UserError
from rxagents.events import StreamEvent
from rxagents.items import MessageOutputItem
from rxagents.result import RunResult
from rxagents.run._options import output_spec

__all__ = ["partial_output"]

T = TypeVar("T")

PartialMode = Literal["on", "trailing-strings"]


class _Parser:
    """Validates JSON prefixes into ``output_type`` with pydantic's partial mode."""

    def __init__(self, output_type: Any, mode: PartialMode) -> None:
        spec = output_spec(output_type)
        if spec is None:
            raise UserError(
                "partial_output(output_type) needs a structured type (a pydantic model, "
                f"list[...], a TypedDict...); got {output_type!r}, which streams as plain "
                "text: use rxo.text_deltas() for it"
            )
        output_type = spec.output.output_type  # unwrapped from an AgentOutputSchema
        self.output_type = output_type
        self.mode = mode
        self.wrapped = spec.wrapped
        # Non-object output types travel as {"response": ...}, as the run loop asks.
        target: Any = (
            create_model("PartialOutputEnvelope", response=(output_type, ...))
            if spec.wrapped
            else output_type
        )
        self.adapter: TypeAdapter[Any] = TypeAdapter(target)

    def partial(self, text: str) -> tuple[bool, Any]:
        """``(True, value)`` if ``text`` is a valid prefix of an output, else ``(False, None)``."""
        try:
            value = self.adapter.validate_json(text, experimental_allow_partial=self.mode)
        except ValidationError:
            return False, None
        return True, (value.response if self.wrapped else value)

    def final(self, result: RunResult) -> Any:
        """The run's final output, fully validated as ``output_type``."""
        output = result.final_output
        cls = self.output_type
        if isinstance(cls, type) and isinstance(output, cls) and not self.wrapped:
            return output
        messages = [i for i in result.new_items if isinstance(i, MessageOutputItem)]
        text = messages[-1].text if messages else ""
        try:
            value = self.adapter.validate_json(text)
        except ValidationError as exc:
            raise ModelBehaviorError(
                f"the run's final output does not validate as {_name(cls)} "
                f"({exc.error_count()} error(s): {exc.errors()[0]['msg']}); pass the agent's "
                f"output_type (or a type with the same fields) to partial_output(); "
                f"output was {text[:200]!r}"
            ) from None
        return value.response if self.wrapped else value


def _name(cls: Any) -> str:
    return getattr(cls, "__name__", None) or repr(cls)


def partial_output(
    output_type: type[T], *, mode: PartialMode = "trailing-strings"
) -> Callable[[Observable[StreamEvent]], Observable[T]]:
    """Progressively validated partial ``output_type`` objects from a structured-output run.

    The JSON text of each message is validated after every delta with pydantic's
    partial validation (``TypeAdapter.validate_json(..., experimental_allow_partial=...)``,
    built on jiter's partial parsing): an emission is a real, validated
    ``output_type`` instance built from the JSON so far, emitted when it differs
    from the previous one. Required fields must have arrived before the first
    emission (give fields defaults, or pass a "partial" model with the same fields
    all optional, for earlier ones). At the end, the run's final output, fully
    validated, is emitted once more: the last emission *is* the final output.

    ``mode="trailing-strings"`` (default) includes a string that is still streaming
    (a growing ``summary``); ``"on"`` only includes values that are complete.
    Non-object output types (``list[X]``...) are read from the ``{"response": ...}``
    envelope the run asks the model for, as the OpenAI Agents SDK does.

    Each delta re-validates the message's text so far: O(length) per delta. For
    outputs of many kilobytes, coalesce text first (``rxo.coalesce_text``).

    .. marble::
        -d('{"a":1,')--d('"b":[2')--d(']}')--R|
        [ partial_output(AB) ]
        -AB(a=1)-------AB(a=1,b=[2])--------R.final_output|

    Args:
        output_type: the agent's ``output_type``, or a type with the same fields.
        mode: ``"trailing-strings"`` or ``"on"`` (pydantic's partial modes).

    Raises:
        UserError: at once, for ``str`` or ``None`` (plain text, not JSON).

    Errors:
        ModelBehaviorError: if the completed run's output does not validate as
            ``output_type``.

    Example:
        >>> Runner.run_streamed(agent, "plan a trip").pipe(
        ...     rxo.partial_output(TripPlan)
        ... ).subscribe(lambda plan: render(plan.days))
    """
    if mode not in ("on", "trailing-strings"):
        raise UserError(f"mode must be 'on' or 'trailing-strings', got {mode!r}")
    parser = _Parser(output_type, mode)

    def operator(source: Observable[StreamEvent]) -> Observable[T]:
        def subscribe(
            observer: abc.ObserverBase[T], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            item_id: str | None = None
            text = ""
            last: Any = None
            emitted = False

            def on_event(event: StreamEvent) -> None:
                nonlocal item_id, text, last, emitted
                e: Any = event
                kind = e.type
                if kind == "raw_response_event":
                    data = e.data
                    if data.type != "response.output_text.delta":
                        return
                    if data.item_id != item_id:  # a new message: parse it on its own
                        item_id, text = data.item_id, ""
                    text += data.delta
                    ok, value = parser.partial(text)
                    if ok and (not emitted or value != last):
                        last, emitted = value, True
                        observer.on_next(value)
                elif kind == "run_completed_stream_event":
                    if e.result.interrupted:
                        return
                    try:
                        final = parser.final(e.result)
                    except ModelBehaviorError as exc:
                        observer.on_error(exc)
                        return
                    last, emitted = final, True
                    observer.on_next(final)
                elif kind == "run_restarted_stream_event" or kind == "turn_restarted":
                    item_id, text, last, emitted = None, "", None, False

            return source.subscribe(
                on_event, observer.on_error, observer.on_completed, scheduler=scheduler
            )

        return Observable(subscribe)

    return operator
