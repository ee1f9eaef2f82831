"""How long an HTTP model may take, and how large one streamed event may be.

The openai client's own default (600 s per attempt, three attempts) lets a
server that never answers hold a run for half an hour, and a stream sending
only keep-alive comments would never fail. rxagents times the stream itself,
by events rather than bytes, with defaults a person can wait for.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from rxagents.errors import UserError
from rxagents.models._sse import DEFAULT_MAX_EVENT_CHARS

__all__ = ["DEFAULT_STREAM_LIMITS", "StreamLimits"]


@dataclass(frozen=True)
class StreamLimits:
    """Timeouts and the event size cap of a streamed model call; ``None`` means inherit.

    Set them per model (``OpenAIResponsesModel(..., limits=...)``,
    ``OpenAIProvider(limits=...)``) and per run (``Runner.run(..., limits=...)``);
    a run's values win over its model's, which win over :data:`DEFAULT_STREAM_LIMITS`.
    ``math.inf`` turns a timeout off.

    Attributes:
        connect: seconds to open the TCP (and TLS) connection, per attempt
            (the openai client retries a failed connect ``max_retries`` times).
        first_event: seconds from sending the request until its first event
            arrives: connecting, the client's retries, the response headers and
            the first ``data:`` event together.
        idle: seconds allowed between two events once the stream runs;
            keep-alive comments do not count as events. Time the consumer spends
            before asking for the next event does not count either.
        max_event_chars: the longest single server-sent event accepted, in
            characters; a longer one raises
            :class:`~rxagents.errors.ModelEventTooLarge` (memory stays bounded).
    """

    connect: float | None = None
    first_event: float | None = None
    idle: float | None = None
    max_event_chars: int | None = None

    def __post_init__(self) -> None:
        for name in ("connect", "first_event", "idle"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int | float) or not value > 0):
                raise UserError(
                    f"StreamLimits.{name} must be a number of seconds > 0 (math.inf for no "
                    f"limit), got {value!r}"
                )
        cap = self.max_event_chars
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1024):
            raise UserError(f"StreamLimits.max_event_chars must be an int >= 1024, got {cap!r}")

    def merged(self, override: StreamLimits | None) -> StreamLimits:
        """These limits with every non-``None`` field of ``override`` on top."""
        if override is None:
            return self
        changes = {
            f.name: getattr(override, f.name)
            for f in fields(override)
            if getattr(override, f.name) is not None
        }
        return replace(self, **changes) if changes else self

    def seconds(self, name: str) -> float:
        """The timeout ``name`` in seconds, the default when unset."""
        value = getattr(self, name)
        if value is None:
            value = getattr(DEFAULT_STREAM_LIMITS, name)
        return float(value)

    def event_cap(self) -> int:
        """:attr:`max_event_chars`, the default when unset."""
        cap = self.max_event_chars
        if cap is None:
            cap = DEFAULT_STREAM_LIMITS.max_event_chars
        assert cap is not None
        return cap


DEFAULT_STREAM_LIMITS = StreamLimits(
    connect=10.0, first_event=120.0, idle=120.0, max_event_chars=DEFAULT_MAX_EVENT_CHARS
)
"""The defaults: 10 s to connect, 120 s to the first event, 120 s between events, 16 MiB."""


def as_limits(timeout: float | StreamLimits | None) -> StreamLimits | None:
    """``timeout=`` as the openai client takes it (seconds), as :class:`StreamLimits`.

    A number sets the first-event and idle timeouts (the connect timeout stays
    at its default unless the number is smaller).
    """
    if timeout is None or isinstance(timeout, StreamLimits):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise UserError(f"timeout must be seconds or a StreamLimits, got {timeout!r}")
    seconds = float(timeout)
    connect = DEFAULT_STREAM_LIMITS.seconds("connect")
    return StreamLimits(
        connect=seconds if seconds < connect else None,
        first_event=seconds,
        idle=seconds,
    )
