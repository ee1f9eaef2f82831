"""Bad requests get a 4xx with a clear JSON message; too many runs get 429."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from rxagents import Agent
from rxagents.testing import text
from rxagents.web import InMemoryRunBackend, WebLimits, create_app
from tests.web.support import ProbeModel, serving
from tests.web.test_sse import read_sse, start_run


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """One server for the refusal cases (they start at most a few short runs)."""
    model = ProbeModel([[text("ok")]])
    limits = WebLimits(max_input_chars=20, max_body_bytes=1000)
    with serving(create_app(Agent("bot", model=model), limits=limits)) as url:
        yield url


@pytest.mark.parametrize(
    ("body", "headers", "status", "code", "says"),
    [
        (b'{"input": "hi"', {}, 400, "invalid_json", "not valid JSON"),
        (b"\xff\xfe", {}, 400, "invalid_json", "UTF-8"),
        (b"[1, 2]", {}, 422, "invalid_body", "an array"),
        (b'{"prompt": "hi"}', {}, 422, "missing_input", '"input"'),
        (b'{"input": 42}', {}, 422, "invalid_input", "a number"),
        (b'{"input": "   "}', {}, 422, "empty_input", "empty"),
        (b'{"input": "' + b"x" * 21 + b'"}', {}, 413, "input_too_large", "limit is 20"),
        (b'{"input": "' + b"x" * 2000 + b'"}', {}, 413, "body_too_large", "1000 bytes"),
        (b'{"input": "hi"}', {"content-type": "text/plain"}, 415, "unsupported_media_type", "JSON"),
    ],
)
async def test_bad_post_runs(
    base: str,
    client: httpx.AsyncClient,
    body: bytes,
    headers: dict[str, str],
    status: int,
    code: str,
    says: str,
) -> None:
    sent = {"content-type": "application/json", **headers}
    response = await client.post(f"{base}/runs", content=body, headers=sent)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    assert answer["error"] == code
    assert says in answer["message"]


async def test_input_at_the_limit_is_accepted(base: str, client: httpx.AsyncClient) -> None:
    response = await client.post(f"{base}/runs", json={"input": "x" * 20})
    assert response.status_code == 201
    assert response.json()["id"].startswith("run_")


async def test_unknown_run_ids_answer_404(base: str, client: httpx.AsyncClient) -> None:
    for method, path in [("GET", "/runs/run_missing/events"), ("POST", "/runs/run_missing/cancel")]:
        response = await client.request(method, f"{base}{path}")
        assert response.status_code == 404
        assert response.json()["error"] == "unknown_run"
        assert "run_missing" in response.json()["message"]


async def test_bad_last_event_id_answers_400(base: str, client: httpx.AsyncClient) -> None:
    run_id = await start_run(client, base)
    response = await client.get(f"{base}/runs/{run_id}/events", headers={"Last-Event-ID": "seven"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_last_event_id"


async def test_concurrent_run_limit_answers_429(serve: Any, client: httpx.AsyncClient) -> None:
    model = ProbeModel([[text("held open", chunk_size=3)]], hold_after=1)
    backend = InMemoryRunBackend(Agent("bot", model=model), max_concurrent=2)
    base = serve(create_app(backend=backend))
    first = await start_run(client, base)
    await start_run(client, base)

    refused = await client.post(f"{base}/runs", json={"input": "a third"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"] == "too_many_runs"
    assert "limit 2" in refused.json()["message"]

    cancelled = await client.post(f"{base}/runs/{first}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json() == {"id": first, "cancel_requested": True}
    sse = await read_sse(client, f"{base}/runs/{first}/events")
    assert json.loads(sse.messages[-1].data)["status"] == "cancelled"

    assert (await client.post(f"{base}/runs", json={"input": "now fits"})).status_code == 201
    model.gate.set()
