"""`rxagents serve` against a hostile browser and hostile input, over real HTTP.

Host and Origin checks, nesting and encoding limits, one error shape, the token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from rxagents import Agent
from rxagents.testing import ScriptedModel, text
from rxagents.web import InMemoryRunBackend, WebSecurity, create_app

TOKEN = "a-token-of-32-chars-0123456789ab"


def _app(security: WebSecurity | None = None) -> Any:
    backend = InMemoryRunBackend(Agent("bot", model=ScriptedModel([[text("ok")]] * 50)))
    return create_app(backend=backend, security=security)


def _runs(app: Any) -> int:
    return len(app.state.rxagents_backend._runs)


def _error_shape(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message"} and body["error"] == code, body
    assert body["message"]


@pytest.fixture
async def http() -> Any:
    async with httpx.AsyncClient(timeout=20) as client:
        yield client


async def test_a_forged_host_starts_no_run(serve: Callable[[Any], str], http: Any) -> None:
    app = _app()
    base = serve(app)
    forged = await http.post(
        f"{base}/runs", json={"input": "hi"}, headers={"Host": "attacker.example"}
    )
    _error_shape(forged, 421, "host_not_allowed")
    assert _runs(app) == 0
    port = base.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        ok = await http.post(f"{base}/runs", json={"input": "hi"}, headers={"Host": host})
        assert ok.status_code == 201, (host, ok.text)


async def test_an_allowed_host_name(serve: Callable[[Any], str], http: Any) -> None:
    base = serve(_app(WebSecurity(allowed_hosts=("Agents.Example",))))
    ok = await http.post(f"{base}/runs", json={"input": "hi"}, headers={"Host": "agents.example"})
    assert ok.status_code == 201
    other = await http.get(f"{base}/", headers={"Host": "evil.example"})
    _error_shape(other, 421, "host_not_allowed")


async def test_cross_site_posts_are_refused(serve: Callable[[Any], str], http: Any) -> None:
    app = _app(WebSecurity(allowed_origins=("https://friend.example",)))
    base = serve(app)
    for origin in ("http://attacker.example", "null", f"{base}.attacker.example"):
        refused = await http.post(f"{base}/runs", json={"input": "hi"}, headers={"Origin": origin})
        _error_shape(refused, 403, "origin_not_allowed")
    assert _runs(app) == 0
    cancel = await http.post(f"{base}/runs/x/cancel", headers={"Origin": "http://attacker.example"})
    _error_shape(cancel, 403, "origin_not_allowed")
    for origin in (base, "https://friend.example"):
        ok = await http.post(f"{base}/runs", json={"input": "hi"}, headers={"Origin": origin})
        assert ok.status_code == 201, origin
    page = await http.get(f"{base}/", headers={"Origin": "http://attacker.example"})
    assert page.status_code == 200  # reading is not state-changing (and CORS keeps it private)


async def test_a_cross_site_websocket_is_refused(serve: Callable[[Any], str], http: Any) -> None:
    base = serve(_app())
    run_id = (await http.post(f"{base}/runs", json={"input": "hi"})).json()["id"]
    url = base.replace("http://", "ws://") + f"/runs/{run_id}/ws"
    with pytest.raises(InvalidStatus) as caught:
        async with connect(url, origin="http://attacker.example"):  # type: ignore[arg-type]
            pass
    assert caught.value.response.status_code == 403
    async with connect(url, origin=base) as ws:  # type: ignore[arg-type]
        messages = [json.loads(m) async for m in ws]
    assert messages[-1]["type"] == "done"


async def test_deeply_nested_json_answers_400_json(serve: Callable[[Any], str], http: Any) -> None:
    base = serve(_app())
    body = '{"input": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = await http.post(
        f"{base}/runs", content=body, headers={"content-type": "application/json"}
    )
    _error_shape(response, 400, "too_deep")


async def test_a_lone_surrogate_is_refused_at_the_door(
    serve: Callable[[Any], str], http: Any
) -> None:
    app = _app()
    base = serve(app)
    body = '{"input": "hi \\ud83d there"}'
    response = await http.post(
        f"{base}/runs", content=body, headers={"content-type": "application/json"}
    )
    _error_shape(response, 422, "invalid_text")
    assert "\\ud83d" in response.json()["message"]
    assert _runs(app) == 0
    paired = '{"input": "hi \\ud83d\\ude00 there"}'  # a real pair is fine
    ok = await http.post(
        f"{base}/runs", content=paired, headers={"content-type": "application/json"}
    )
    assert ok.status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nowhere", 404, "not_found"),
        ("GET", "/runs", 405, "method_not_allowed"),
        ("DELETE", "/runs/x/cancel", 405, "method_not_allowed"),
        ("GET", "/runs/nope/events", 404, "unknown_run"),
    ],
)
async def test_every_error_has_the_same_shape(
    method: str, path: str, status: int, code: str, serve: Callable[[Any], str], http: Any
) -> None:
    base = serve(_app())
    _error_shape(await http.request(method, f"{base}{path}"), status, code)


async def test_the_token(serve: Callable[[Any], str], http: Any) -> None:
    app = _app(WebSecurity(token=TOKEN))
    base = serve(app)
    _error_shape(await http.post(f"{base}/runs", json={"input": "hi"}), 401, "unauthorized")
    wrong = {"Authorization": "Bearer " + "x" * 32}
    _error_shape(
        await http.post(f"{base}/runs", json={"input": "hi"}, headers=wrong), 401, "unauthorized"
    )
    assert _runs(app) == 0
    assert (await http.get(f"{base}/")).status_code == 200  # the page holds no data
    assert (await http.get(f"{base}/app.js")).status_code == 200
    good = {"Authorization": f"Bearer {TOKEN}"}
    run_id = (await http.post(f"{base}/runs", json={"input": "hi"}, headers=good)).json()["id"]
    _error_shape(await http.get(f"{base}/runs/{run_id}/events"), 401, "unauthorized")

    opened = await http.get(f"{base}/?token={TOKEN}")
    assert opened.status_code == 303 and opened.headers["location"] == "/"
    cookie = opened.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    jar = {"rxagents_token": TOKEN}
    async with httpx.AsyncClient(cookies=jar, timeout=20) as browser:
        ok = await browser.post(f"{base}/runs", json={"input": "hi"})
        assert ok.status_code == 201
        events = await browser.get(f"{base}/runs/{run_id}/events")
        assert events.status_code == 200 and "run_completed_stream_event" in events.text
    url = base.replace("http://", "ws://") + f"/runs/{run_id}/ws"
    with pytest.raises(InvalidStatus):
        async with connect(url):
            pass
    async with connect(url, additional_headers=good) as ws:
        assert [json.loads(m) async for m in ws][-1]["type"] == "done"


def test_a_short_token_is_refused() -> None:
    from rxagents.errors import UserError

    with pytest.raises(UserError, match="at least 16"):
        WebSecurity(token="short")
