"""A small, fast server-sent events decoder for streamed model responses.

It works on whole network reads (often kilobytes holding dozens of events), so
splitting a read into events costs no ``await`` per event; only the ``data``
field matters for the OpenAI-style streams rxagents reads.

Decoding is linear in the size of the stream: an event spread over many reads
is kept as a list of pieces, each read is searched once for the blank line
that ends an event, and the pieces are joined once, when the event completes.
(Re-scanning one growing buffer per read made an 8 MiB event cost about a
second of event-loop time and a 32 MiB one about twenty.) One event's size is
capped, so a hostile server cannot make the client hold unbounded memory.
"""

from __future__ import annotations

from rxagents.errors import ModelBehaviorError, ModelEventTooLarge

__all__ = ["DEFAULT_MAX_EVENT_CHARS", "SSEDecoder", "quote"]

_KNOWN_FIELDS = frozenset({"data", "event", "id", "retry"})

DEFAULT_MAX_EVENT_CHARS = 16 * 1024 * 1024
"""The longest event accepted unless told otherwise (``StreamLimits.max_event_chars``)."""


def quote(text: str, limit: int = 200) -> str:
    """``text`` shortened to ``limit`` characters, for error messages."""
    if len(text) <= limit:
        return repr(text)
    return repr(text[:limit]) + f"... ({len(text)} characters)"


class SSEDecoder:
    """Splits a text stream into the ``data`` payloads of its events.

    Feed it each decoded network read; it returns the payloads of the events
    that read completed and keeps the incomplete rest for the next read.

    Args:
        max_event_chars: the longest event accepted, in characters.

    Attributes:
        truncated: set by :meth:`close` when the stream ended in the middle of
            an event (the SSE standard drops such an event; so does this decoder).

    Raises:
        ModelBehaviorError: for a line that is not an SSE field (for example a
            JSON body sent without ``text/event-stream`` framing).
        ModelEventTooLarge: an event grew beyond ``max_event_chars``.
    """

    __slots__ = ("_cap", "_held_cr", "_parts", "_size", "truncated")

    def __init__(self, max_event_chars: int = DEFAULT_MAX_EVENT_CHARS) -> None:
        self._cap = max_event_chars
        self._parts: list[str] = []
        self._size = 0
        self._held_cr = False
        self.truncated = False

    def feed(self, text: str) -> list[str]:
        """The payloads of the events completed by ``text``."""
        if self._held_cr or "\r" in text:
            text = self._normalize(text)
        if not text:
            return []  # an empty piece would hide a blank line split across reads
        parts = self._parts
        if parts:
            ends = text.find("\n\n") >= 0 or (text[:1] == "\n" and parts[-1][-1:] == "\n")
            if not ends:
                parts.append(text)
                self._size += len(text)
                if self._size > self._cap:
                    raise self._too_large(self._size)
                return []
            text = "".join(parts) + text
            parts.clear()
            self._size = 0
        blocks = text.split("\n\n")
        rest = blocks.pop()
        if rest:
            if len(rest) > self._cap:
                raise self._too_large(len(rest))
            parts.append(rest)
            self._size = len(rest)
        payloads: list[str] = []
        check = len(text) > self._cap
        for block in blocks:
            if check and len(block) > self._cap:
                raise self._too_large(len(block))
            if block.startswith("data: ") and "\n" not in block:
                payloads.append(block[6:])  # Chat Completions: one data line
            elif block.startswith("event: ") and (payload := _event_and_data(block)) is not None:
                payloads.append(payload)  # Responses: an event line, then one data line
            elif block:
                payload = _parse_block(block)
                if payload is not None:
                    payloads.append(payload)
        return payloads

    def close(self) -> list[str]:
        """Call at the end of the stream; sets :attr:`truncated` for an unfinished event.

        Returns:
            ``["[DONE]"]`` when the stream's last line was ``data: [DONE]`` without
            its blank line (a common slip that loses nothing); otherwise nothing.
        """
        rest = "".join(self._parts).rstrip("\n")
        self._parts.clear()
        self._size = 0
        if not rest:
            return []
        try:
            payload = _parse_block(rest)
        except ModelBehaviorError:
            payload = ""  # a line cut in half: truncation, not a protocol mistake
        if payload is None:
            return []  # only comments
        if payload == "[DONE]":
            return [payload]
        self.truncated = True
        return []

    def _normalize(self, text: str) -> str:
        if self._held_cr:
            text = "\r" + text
        # Keep a trailing "\r" back: it may be the first half of "\r\n".
        self._held_cr = text.endswith("\r")
        if self._held_cr:
            text = text[:-1]
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def _too_large(self, size: int) -> ModelEventTooLarge:
        return ModelEventTooLarge(
            self._cap,
            f"the model server sent an event of more than {self._cap} characters "
            f"({size} so far); raise StreamLimits(max_event_chars=...) if such events "
            "are expected",
        )


def _event_and_data(block: str) -> str | None:
    """The payload of ``event: NAME`` + ``data: PAYLOAD``, or ``None`` for any other shape.

    The Responses API frames every event so; this skips :func:`_parse_block`'s
    split and per-line checks. ``None`` leaves the block to :func:`_parse_block`.
    """
    newline = block.find("\n")
    start = newline + 7
    if not block.startswith("data: ", newline + 1) or block.find("\n", start) >= 0:
        return None
    return block[start:]


def _parse_block(block: str) -> str | None:
    data: list[str] = []
    for line in block.split("\n"):
        if not line or line.startswith(":"):
            continue
        name, sep, value = line.partition(":")
        if name not in _KNOWN_FIELDS or not sep:
            raise ModelBehaviorError(
                "the model server sent something that is not a server-sent event: "
                f"{quote(line)}; check that the base URL points at an OpenAI-compatible API"
            )
        if name == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    return "\n".join(data) if data else None
