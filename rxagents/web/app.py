"""The web app: start runs over HTTP, stream them over SSE or WebSocket, and a page.

Endpoints (relative to where the app is mounted):

- ``GET /``: the page (prompt box, live text, tool calls, agent changes, stop button).
- ``POST /runs`` with ``{"input": "..."}``: start a run, answer ``201 {"id": ...}``.
- ``GET /runs/{id}/events``: the run as Server-Sent Events from its start, or after
  the ``Last-Event-ID`` header (or ``?after=N``).
- ``WS /runs/{id}/ws``: the same events as JSON messages; send ``{"type": "cancel"}``
  to stop the run; closing the socket stops it too.
- ``POST /runs/{id}/cancel``: stop the run.

Every error answer is JSON ``{"error": code, "message": ...}``: 400 malformed or
too deeply nested JSON or bad ``Last-Event-ID``, 401 missing token, 403 cross-site
origin, 404 unknown run or path, 405 wrong method, 413 body or input too large, 415
not JSON, 421 unknown ``Host``, 422 missing, empty or unencodable input, 429 too many
concurrent runs, 500 a bug. The Host, Origin and token checks
(:mod:`rxagents.web.security`) run in front of every route.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import AsyncIterator, Callable
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Route

from rxagents.agent import Agent
from rxagents.errors import UserError
from rxagents.sinks.sse import error_message, sse_response
from rxagents.sinks.websocket import websocket_stream
from rxagents.web.agui_routes import add_agui_routes
from rxagents.web.backend import InMemoryRunBackend, RunBackend, TooManyRuns, UnknownRun
from rxagents.web.chat_routes import add_chat_routes
from rxagents.web.inputs import WebError, WebLimits, parse_after, read_input
from rxagents.web.security import GuardMiddleware, WebSecurity

__all__ = ["AgentSource", "create_app", "default_agent", "mount_agent", "mount_agui", "mount_chat"]

_STATIC = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
WS_UNKNOWN_RUN = 4404
"""The WebSocket close code for an unknown run id (after a ``run_error`` message)."""


def default_agent() -> Agent[Any]:
    """The agent ``rxagents serve`` runs when given none: the default model provider's model."""
    return Agent(
        name="assistant",
        instructions="You are a helpful assistant. Answer clearly and briefly.",
    )


AgentSource = Agent[Any] | Callable[[], Agent[Any]]
"""An agent, or a function of no arguments returning a fresh agent per run."""


def create_app(
    agent: AgentSource | None = None,
    backend: RunBackend | None = None,
    *,
    limits: WebLimits | None = None,
    page: bool = True,
    title: str = "rxagents",
    chat_path: str | None = "/api/chat",
    agui_path: str | None = "/agui",
    chat_resume: bool = False,
    runs: bool = True,
    security: WebSecurity | None = None,
) -> FastAPI:
    """A FastAPI app serving runs of ``agent`` (or of ``backend``'s runs).

    Args:
        agent: the agent runs start with, or a function returning a fresh one per
            run; default :func:`default_agent`. Used to build an
            :class:`~rxagents.web.InMemoryRunBackend` with its default limits; pass
            ``backend`` instead to choose them.
        backend: where runs live; give either this or ``agent``.
        limits: request size limits and SSE timings (:class:`WebLimits`).
        page: serve the HTML page at ``/``.
        title: the page title.
        security: Host, Origin and token rules (:class:`~rxagents.web.security.WebSecurity`);
            the default accepts IP addresses and ``localhost`` as Host, same-origin
            browsers, and needs no token. Behind a domain name, list it in ``allowed_hosts``.
        chat_path: where React's ``useChat`` posts (AI SDK UI message stream);
            ``None`` leaves it out.
        agui_path: where AG-UI clients post ``RunAgentInput``; ``None`` leaves it out.
        chat_resume: chat runs outlive a client that goes away, for
            ``GET {chat_path}/{id}/stream`` after a reload (``stop()`` then only
            stops reading); by default going away cancels the run.
        runs: serve the ``/runs`` endpoints (SSE, WebSocket, cancel).

    Returns:
        The app; its backend is ``app.state.rxagents_backend``. Its lifespan
        cancels the backend's runs at shutdown (a mounted sub-app's lifespan
        does not run: call ``await backend.aclose()`` from the parent's).

    Raises:
        UserError: both ``agent`` and ``backend`` were given.
    """
    if agent is not None and backend is not None:
        raise UserError("give create_app either agent= or backend= (the backend owns its agent)")
    run_backend: RunBackend = backend or InMemoryRunBackend(agent or default_agent())
    web_limits = limits or WebLimits()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await run_backend.aclose()

    app = FastAPI(title=title, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.rxagents_backend = run_backend
    app.state.rxagents_limits = web_limits
    public = ["/", *(f"/{name}" for name in _STATIC)] if page else []
    app.add_middleware(GuardMiddleware, security=security or WebSecurity(), public_paths=public)
    _add_error_handlers(app)
    if runs:
        _add_run_routes(app, run_backend, web_limits)
    if chat_path is not None:
        add_chat_routes(app, run_backend, web_limits, path=chat_path, resume=chat_resume)
    if agui_path is not None:
        add_agui_routes(app, run_backend, web_limits, path=agui_path)
    if page:
        _add_page_routes(app, title)
    return app


def mount_agent(
    app: Any,
    agent: AgentSource | None = None,
    *,
    prefix: str = "/agent",
    backend: RunBackend | None = None,
    limits: WebLimits | None = None,
    page: bool = True,
    security: WebSecurity | None = None,
) -> RunBackend:
    """Mount the run endpoints (and page) of :func:`create_app` on any Starlette/FastAPI app.

    Args:
        app: a ``FastAPI`` or ``Starlette`` app (anything with ``mount(path, app)``).
        agent: the agent runs start with (or give ``backend``).
        prefix: where to mount, e.g. ``/agent`` gives ``POST /agent/runs``.
        backend: where runs live; default an in-memory backend for ``agent``.
        limits: see :class:`WebLimits`.
        page: also serve the page at ``{prefix}/``.
        security: see :func:`create_app` (the parent app's Host names go in ``allowed_hosts``).

    Returns:
        The backend, e.g. to ``await backend.aclose()`` in the parent app's lifespan.

    Example:
        >>> app = FastAPI()
        >>> mount_agent(app, my_agent, prefix="/agent")  # doctest: +SKIP
    """
    if not prefix.startswith("/") or prefix.endswith("/"):
        raise UserError(f"prefix must start with '/' and not end with one, got {prefix!r}")
    sub = create_app(agent, backend, limits=limits, page=page, security=security)
    app.mount(prefix, sub)
    backend_of_sub: RunBackend = sub.state.rxagents_backend
    return backend_of_sub


def mount_chat(
    app: Any,
    agent: AgentSource | None = None,
    *,
    path: str = "/api/chat",
    backend: RunBackend | None = None,
    limits: WebLimits | None = None,
    resume: bool = False,
    security: WebSecurity | None = None,
) -> RunBackend:
    """Serve React's ``useChat`` at ``path`` of any Starlette/FastAPI app.

    Adds ``POST {path}`` and ``GET {path}/{chat_id}/stream`` (see
    :mod:`rxagents.web.chat_routes`), with the same limits and error shape as
    ``rxagents serve``. ``useChat``'s default ``api`` is ``/api/chat``.

    Args:
        app: a ``FastAPI`` or ``Starlette`` app.
        agent: an agent factory (a function returning a fresh agent per run), or
            one agent shared by every run; or give ``backend``.
        path: where to serve, e.g. ``/api/chat``.
        backend: where runs live; default an in-memory backend for ``agent``.
        limits: see :class:`WebLimits`.
        resume: runs outlive a client that goes away (see ``create_app``'s
            ``chat_resume``).
        security: Host, Origin and token rules (see :func:`create_app`).

    Returns:
        The backend, e.g. to ``await backend.aclose()`` in the app's lifespan.

    Example:
        >>> app = FastAPI()
        >>> mount_chat(app, lambda: Agent(name="assistant"))  # doctest: +SKIP
    """
    _check_path(path)
    sub = create_app(
        agent, backend, limits=limits, page=False, runs=False,
        chat_path=path, agui_path=None, chat_resume=resume, security=security,
    )  # fmt: skip
    app.router.routes.append(Route(path, sub))
    app.router.routes.append(Route(f"{path}/{{chat_id}}/stream", sub))
    chat_backend: RunBackend = sub.state.rxagents_backend
    return chat_backend


def mount_agui(
    app: Any,
    agent: AgentSource | None = None,
    *,
    path: str = "/agui",
    backend: RunBackend | None = None,
    limits: WebLimits | None = None,
    security: WebSecurity | None = None,
) -> RunBackend:
    """Serve AG-UI clients (``HttpAgent``) at ``POST {path}`` of any Starlette/FastAPI app.

    Args:
        app: a ``FastAPI`` or ``Starlette`` app.
        agent: an agent factory (a fresh agent per run), or one agent; or ``backend``.
        path: where to serve.
        backend: where runs live; default an in-memory backend for ``agent``.
        limits: see :class:`WebLimits`.
        security: Host, Origin and token rules (see :func:`create_app`).

    Returns:
        The backend, e.g. to ``await backend.aclose()`` in the app's lifespan.
    """
    _check_path(path)
    sub = create_app(
        agent, backend, limits=limits, page=False, runs=False, chat_path=None, agui_path=path,
        security=security,
    )  # fmt: skip
    app.router.routes.append(Route(path, sub))
    agui_backend: RunBackend = sub.state.rxagents_backend
    return agui_backend


def _check_path(path: str) -> None:
    if not path.startswith("/") or path.endswith("/"):
        raise UserError(f"path must start with '/' and not end with one, got {path!r}")


def _error(status_code: int, code: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"error": code, "message": message}, status_code=status_code, headers=headers or None
    )


def _add_error_handlers(app: FastAPI) -> None:
    async def on_web_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, WebError)
        return _error(exc.status_code, exc.code, exc.message)

    async def on_unknown_run(_request: Request, exc: Exception) -> Response:
        return _error(404, "unknown_run", str(exc))

    async def on_too_many(_request: Request, exc: Exception) -> Response:
        return _error(429, "too_many_runs", str(exc), **{"Retry-After": "1"})

    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else code
        if exc.status_code == 404:
            detail = "no such endpoint; see docs/web.md for the API"
        return _error(exc.status_code, code, detail, **dict(exc.headers or {}))

    async def on_invalid(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(str(e.get("msg", e)) for e in list(exc.errors())[:3])
        return _error(422, "invalid_request", problems or "the request is not valid")

    async def on_too_deep(_request: Request, _exc: Exception) -> Response:
        return _error(400, "too_deep", "the request is nested too deeply to read")

    async def on_bug(_request: Request, exc: Exception) -> Response:
        return _error(500, "internal_error", f"the server failed ({type(exc).__name__})")

    app.add_exception_handler(WebError, on_web_error)
    app.add_exception_handler(UnknownRun, on_unknown_run)
    app.add_exception_handler(TooManyRuns, on_too_many)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(RecursionError, on_too_deep)
    app.add_exception_handler(Exception, on_bug)


_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def _add_run_routes(app: FastAPI, backend: RunBackend, limits: WebLimits) -> None:
    @app.post("/runs", status_code=201)
    async def start_run(request: Request) -> JSONResponse:
        """Start a run on ``{"input": "..."}``; answers ``{"id": ...}``."""
        text = await read_input(request, limits)
        run_id = await backend.start(text)
        return JSONResponse({"id": run_id}, status_code=201)

    @app.get("/runs/{run_id}/events")
    async def run_events(run_id: str, request: Request) -> Response:
        """The run's events as Server-Sent Events (resumable with ``Last-Event-ID``)."""
        after = parse_after(request.headers.get("last-event-id"), request.query_params.get("after"))
        events = await backend.events(run_id, after)
        return sse_response(events, ping=limits.ping_seconds, retry_ms=limits.retry_ms)

    @app.post("/runs/{run_id}/cancel")
    async def cancel_run(run_id: str) -> JSONResponse:
        """Stop the run now (a no-op if it has ended)."""
        await backend.cancel(run_id)
        return JSONResponse({"id": run_id, "cancel_requested": True})

    @app.websocket("/runs/{run_id}/ws")
    async def run_websocket(websocket: WebSocket, run_id: str) -> None:
        """The run's events as JSON messages; ``{"type": "cancel"}`` stops it."""
        await websocket.accept()
        try:
            after = parse_after(None, websocket.query_params.get("after"))
            events = await backend.events(run_id, after)
        except (UnknownRun, WebError) as exc:
            await websocket.send_json(error_message(exc))
            code = WS_UNKNOWN_RUN if isinstance(exc, UnknownRun) else 4400
            await websocket.close(code=code)
            return

        async def cancel() -> None:
            with contextlib.suppress(UnknownRun):
                await backend.cancel(run_id)

        await websocket_stream(websocket, events, cancel=cancel)


def _add_page_routes(app: FastAPI, title: str) -> None:
    static = resources.files("rxagents.web").joinpath("static")
    template = static.joinpath("index.html").read_text(encoding="utf-8")
    assets = {name: static.joinpath(name).read_bytes() for name in _STATIC}
    headers = {"Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff"}

    @app.get("/", response_class=HTMLResponse)
    async def index_page(request: Request) -> HTMLResponse:
        """The page: type a prompt, watch the run stream."""
        base = html.escape(str(request.scope.get("root_path", "")).rstrip("/"), quote=True)
        body = template.replace("{{BASE}}", base).replace("{{TITLE}}", html.escape(title))
        return HTMLResponse(body, headers=headers)

    def asset_route(name: str, media_type: str) -> None:
        async def asset() -> Response:
            return Response(assets[name], media_type=media_type, headers=headers)

        app.add_api_route(f"/{name}", asset, methods=["GET"], include_in_schema=False)

    for name, media_type in _STATIC.items():
        asset_route(name, media_type)
