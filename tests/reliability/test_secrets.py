"""API keys and URL passwords appear nowhere: errors and their chains, events, logs, reprs, CLI.

A hostile server echoes whatever credentials it receives into error bodies,
headers and stream error events; hypothesis picks the key and the password.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import logging
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rxagents import Runner
from rxagents.cli import app as cli_app
from rxagents.models import (
    OpenAIChatCompletionsModel,
    OpenAIProvider,
    OpenAIResponsesModel,
    describe_model,
)
from rxagents.sinks.sse import error_message
from tests.reliability.conftest import agent_for
from tests.reliability.hostile import HostileServer, Plan, Seen, sse
from tests.reliability.streams import events


def _mixed(text: str) -> bool:
    # A secret made only of lower-case letters could be a word of an ordinary message
    # ("run_erro" is in "run_error"); real keys and passwords mix cases and digits.
    return any(c.isdigit() for c in text) and any(c.isupper() for c in text)


keys = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~",
    min_size=12,
    max_size=48,
).filter(_mixed)
passwords = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
    min_size=10,
    max_size=24,
).filter(_mixed)
FAULTS = ["status_401", "status_500_header", "stream_error", "failed", "bad_gzip", "drop"]


def _credentials(request: Seen) -> str:
    return " | ".join(
        f"{k}={v}" for k, v in request.headers.items() if k in ("authorization", "api-key")
    )


def _plan(fault: str, api: str, request: Seen) -> Plan:
    echoed = _credentials(request)
    if fault == "status_401":
        body = json.dumps({"error": {"message": f"bad key: {echoed}", "type": "auth"}})
        return Plan(
            status=401, headers={"content-type": "application/json"}, chunks=[body.encode()]
        )
    if fault == "status_500_header":
        body = json.dumps({"error": {"message": f"broken, you sent {echoed}"}})
        headers = {"content-type": "application/json", "x-echo": echoed, "x-should-retry": "false"}
        return Plan(status=500, headers=headers, chunks=[body.encode()])
    first = events(api, "partial", 2)[:3]
    if fault == "stream_error":
        error = (
            {"error": {"message": f"mid-stream: {echoed}", "type": "server_error"}}
            if api == "chat"
            else {
                "type": "error",
                "message": f"mid-stream: {echoed}",
                "code": "x",
                "param": None,
                "sequence_number": 3,
            }
        )
        return Plan(chunks=[*first, sse(error)])
    if fault == "failed" and api == "responses":
        response = {
            "id": "resp_1",
            "object": "response",
            "created_at": 0,
            "model": "m",
            "output": [],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "status": "failed",
            "error": {"code": "server_error", "message": f"failed: {echoed}"},
        }
        return Plan(
            chunks=[
                *first,
                sse({"type": "response.failed", "response": response, "sequence_number": 3}),
            ]
        )
    if fault == "bad_gzip":
        headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
        return Plan(headers=headers, chunks=[gzip.compress(b"data: x\n\n")[:6] + b"garbage"])
    return Plan(chunks=first, end="drop")


def _strings(value: Any, seen: set[int] | None = None) -> Iterator[str]:
    """Every string reachable from an exception: str, repr, args, chained ones, requests."""
    seen = set() if seen is None else seen
    if value is None or id(value) in seen:
        return
    seen.add(id(value))
    yield str(value)
    yield repr(value)
    if isinstance(value, BaseException):
        yield from (repr(a) for a in value.args)
        for attr in ("request", "response"):
            inner = getattr(value, attr, None)
            if inner is not None:
                yield repr(getattr(inner, "headers", ""))
                yield str(getattr(inner, "url", ""))
        yield from _strings(value.__cause__, seen)
        yield from _strings(value.__context__, seen)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.lines.append(repr(record.args))


def _secrets_of(key: str, user: str, password: str) -> list[str]:
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    return [key, password, basic]


async def _one_run(fault: str, api: str, key: str, user: str, password: str) -> list[str]:
    with HostileServer(lambda request: _plan(fault, api, request)) as server:
        url = f"http://{user}:{password}@127.0.0.1:{server.port}/v1"
        client = openai.AsyncOpenAI(base_url=url, api_key=key, max_retries=0)
        cls = OpenAIChatCompletionsModel if api == "chat" else OpenAIResponsesModel
        model = cls("m", client)
        shown: list[str] = [repr(model), describe_model(model)]
        provider = OpenAIProvider(api=api, base_url=url, api_key=key)  # type: ignore[arg-type]
        shown += [repr(provider), provider.describe(None), repr(provider.get_model("m"))]
        received: list[Any] = []
        try:
            async for event in Runner.run_streamed(agent_for(model), "hi").stream_events():
                received.append(event)
        except Exception as exc:  # every fault here fails the run
            shown += list(_strings(exc))
            shown.append(json.dumps(error_message(exc)))
        else:
            raise AssertionError(f"{fault} did not fail the run")
        shown += [event.model_dump_json() for event in received]
        assert server.requests, "the server saw no request"
        await client.close()
        return shown


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(FAULTS), st.sampled_from(["chat", "responses"]), keys, passwords)
def test_no_secret_anywhere(fault: str, api: str, key: str, password: str) -> None:
    user = "alice"
    handler = _Records()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        shown = asyncio.run(_one_run(fault, api, key, user, password))
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    everything = "\n".join(shown + handler.lines)
    for secret in _secrets_of(key, user, password):
        assert secret not in everything, (fault, api)


def test_the_cli_never_prints_the_url_password(monkeypatch: pytest.MonkeyPatch) -> None:
    def answer(request: Seen) -> Plan:
        body = json.dumps({"error": {"message": f"no: {_credentials(request)}"}})
        return Plan(
            status=401, headers={"content-type": "application/json"}, chunks=[body.encode()]
        )

    password = "pw-s3cret-Zx81"
    with HostileServer(answer) as server:
        url = f"http://bob:{password}@127.0.0.1:{server.port}/v1"
        monkeypatch.setenv("OPENAI_API_KEY", "rk-cli-key-7Yt2Pq9")
        for extra in ([], ["--json"]):
            result = CliRunner().invoke(
                cli_app, ["run", "hi", "--base-url", url, "--api", "chat", *extra]
            )
            assert result.exit_code == 1, result.output
            assert "401" in result.output
            for secret in _secrets_of("rk-cli-key-7Yt2Pq9", "bob", password):
                assert secret not in result.output


def test_credentials_in_any_auth_header_are_secrets() -> None:
    from rxagents.models._secrets import Secrets, safe_url, split_credentials

    secrets = Secrets(
        None, None, {"api-key": "azure-key-123456", "Authorization": "Basic Ym9iOnB3eHl6MTIz"}
    )
    text = "sent azure-key-123456 and Ym9iOnB3eHl6MTIz, i.e. bob:pwxyz123"
    scrubbed = secrets.scrub(text)
    for secret in ("azure-key-123456", "Ym9iOnB3eHl6MTIz", "pwxyz123"):
        assert secret not in scrubbed
    assert safe_url("http://bob:pw%40x@h:1/v1") == "http://bob:***@h:1/v1"
    bare, header = split_credentials("http://bob:pw%40x@h:1/v1")
    assert bare == "http://h:1/v1" and header == "Basic " + base64.b64encode(b"bob:pw@x").decode()
