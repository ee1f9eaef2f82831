"""A small, fast server-sent events decoder for streamed model responses.

It works on whole network reads (often kilobytes holding dozens of events), so
splitting a read into events costs no ``await`` per event; only the ``data``
field matters for the OpenAI-style streams rxagents reads.
"""

from __future__ import annotations

from rxagents.errors import ModelBehaviorError

__all__ = ["SSEDecoder", "quote"]

_KNOWN_FIELDS = frozenset({"data", "event", "id", "retry"})


def quote(text: str, limit: int = 200) -> str:
    """``text`` shortened to ``limit`` characters, for error messages."""
    if len(text) <= limit:
        return repr(text)
    return repr(text[:limit]) + f"... ({len(text)} characters)"


class SSEDecoder:
    """Splits a text stream into the ``data`` payloads of its events.

    Feed it each decoded network read; it returns the payloads of the events
    that read completed and keeps the incomplete rest for the next read.

    Raises:
        ModelBehaviorError: for a line that is not an SSE field (for example a
            JSON body sent without ``text/event-stream`` framing).
    """

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, text: str) -> list[str]:
        """The payloads of the events completed by ``text``."""
        buffer = self._buffer + text if self._buffer else text
        if "\r" in buffer:
            # Keep a trailing "\r" back: it may be the first half of "\r\n".
            held = buffer.endswith("\r")
            if held:
                buffer = buffer[:-1]
            buffer = buffer.replace("\r\n", "\n").replace("\r", "\n")
            if held:
                buffer += "\r"
        blocks = buffer.split("\n\n")
        self._buffer = blocks.pop()
        payloads: list[str] = []
        for block in blocks:
            if block.startswith("data: ") and "\n" not in block:
                payloads.append(block[6:])
            elif block:
                payload = _parse_block(block)
                if payload is not None:
                    payloads.append(payload)
        return payloads

    def close(self) -> list[str]:
        """The payload of a last event the stream ended without terminating."""
        rest = self._buffer.rstrip("\r\n")
        self._buffer = ""
        if not rest:
            return []
        payload = _parse_block(rest)
        return [] if payload is None else [payload]


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
