"""Well-formed stream bodies for both APIs, to break in the fault tests."""

from __future__ import annotations

from rxagents.testing.openai_fixtures import chat_text, responses_text
from tests.reliability.hostile import sse


def chat_body(text: str = "hello there", chunk_size: int = 2) -> bytes:
    return sse(*chat_text(text, chunk_size=chunk_size), "[DONE]")


def responses_body(text: str = "hello there", chunk_size: int = 2) -> bytes:
    return sse(*responses_text(text, chunk_size=chunk_size))


def body(api: str, text: str = "hello there", chunk_size: int = 2) -> bytes:
    return chat_body(text, chunk_size) if api == "chat" else responses_body(text, chunk_size)


def events(api: str, text: str = "hello there", chunk_size: int = 2) -> list[bytes]:
    """The body split into its events (one network write each)."""
    raw = body(api, text, chunk_size)
    return [part + b"\n\n" for part in raw.split(b"\n\n") if part]
