"""mount_agent on other apps, the page's HTML and assets, create_app arguments."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from rxagents import Agent
from rxagents.errors import UserError
from rxagents.testing import text
from rxagents.web import InMemoryRunBackend, create_app, default_agent, mount_agent
from tests.web.support import ProbeModel
from tests.web.test_sse import read_sse, run_events, text_of


async def hello(_request: Any) -> PlainTextResponse:
    return PlainTextResponse("the host app")


@pytest.mark.parametrize("kind", ["starlette", "fastapi"])
async def test_mount_agent_on_a_host_app(kind: str, serve: Any, client: httpx.AsyncClient) -> None:
    host: Any = Starlette(routes=[Route("/", hello)]) if kind == "starlette" else FastAPI()
    if kind == "fastapi":

        @host.get("/")
        async def root() -> PlainTextResponse:
            return PlainTextResponse("the host app")

    backend = mount_agent(
        host, Agent("bot", model=ProbeModel([[text("mounted!")]])), prefix="/agent"
    )
    assert isinstance(backend, InMemoryRunBackend)
    base = serve(host)

    assert (await client.get(f"{base}/")).text == "the host app"
    started = await client.post(f"{base}/agent/runs", json={"input": "hi"})
    assert started.status_code == 201
    run_id = started.json()["id"]
    events = run_events((await read_sse(client, f"{base}/agent/runs/{run_id}/events")).messages)
    assert text_of(events) == "mounted!"

    page = await client.get(f"{base}/agent/")
    assert page.status_code == 200
    assert '<meta name="rxagents-base" content="/agent">' in page.text
    assert 'src="/agent/app.js"' in page.text
    script = await client.get(f"{base}/agent/app.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "EventSource" in script.text


async def test_page_is_served_with_a_strict_content_security_policy(
    serve: Any, client: httpx.AsyncClient
) -> None:
    base = serve(create_app(Agent("bot", model=ProbeModel([[text("x")]])), title="My <agent>"))
    page = await client.get(f"{base}/")
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<title>My &lt;agent&gt;</title>" in page.text
    assert 'content=""' in page.text  # served at the root: base is empty
    css = await client.get(f"{base}/app.css")
    assert css.headers["content-type"].startswith("text/css")
    assert (await client.get(f"{base}/app.js")).status_code == 200


def test_create_app_arguments() -> None:
    agent = Agent("bot", model=ProbeModel([[text("x")]]))
    with pytest.raises(UserError, match="either agent= or backend="):
        create_app(agent, InMemoryRunBackend(agent))
    with pytest.raises(UserError, match="prefix"):
        mount_agent(FastAPI(), agent, prefix="agent/")
    assert create_app(page=False).state.rxagents_backend.agent.name == "assistant"
    assert default_agent().model is None  # resolved by the default model provider
    no_page = create_app(agent, page=False)
    assert "/" not in {getattr(r, "path", None) for r in no_page.routes}


async def test_done_is_json(serve: Any, client: httpx.AsyncClient) -> None:
    base = serve(create_app(Agent("bot", model=ProbeModel([[text("x")]]))))
    run_id = (await client.post(f"{base}/runs", json={"input": "hi"})).json()["id"]
    parser = await read_sse(client, f"{base}/runs/{run_id}/events")
    assert json.loads(parser.messages[-1].data) == {"type": "done", "status": "completed"}
