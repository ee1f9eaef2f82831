"""`rxagents serve`: the web app (SSE, WebSocket, the page) on uvicorn."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rxagents.cli._temporal import (
    ApiKeyOption,
    HeartbeatOption,
    NamespaceOption,
    TaskQueueOption,
    TlsOption,
)
from rxagents.errors import UserError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from rxagents.web.security import WebSecurity

__all__ = [
    "TOKEN_ENV",
    "TemporalOptions",
    "allowed_hosts_for",
    "build_app",
    "check_address",
    "register",
    "serving_line",
]

TOKEN_ENV = "RXAGENTS_SERVE_TOKEN"
"""The environment variable ``--token`` defaults to."""


@dataclass(frozen=True)
class TemporalOptions:
    """Where ``rxagents serve --temporal`` starts its runs (``address`` None: it does not)."""

    address: str | None
    namespace: str = "default"
    task_queue: str = "rxagents"
    tls: bool = False
    api_key: str | None = field(default=None, repr=False)
    heartbeat_timeout: float = 10.0


def build_app(
    agent_spec: str | None = None,
    *,
    max_concurrent: int = 8,
    max_runs: int = 100,
    ttl: float = 600.0,
    max_input_chars: int = 32_000,
    redis_url: str | None = None,
    security: WebSecurity | None = None,
    temporal: TemporalOptions | None = None,
) -> FastAPI:
    """The app ``rxagents serve`` runs: an in-memory backend for the agent of ``agent_spec``.

    Args:
        agent_spec: ``file.py:variable`` or ``package.module:variable``; ``None`` runs
            :func:`rxagents.web.app.default_agent` on the default model provider.
        max_concurrent: running runs allowed at once (more answer 429).
        max_runs: runs held at once, running or finished.
        ttl: seconds a finished run stays readable.
        max_input_chars: longest accepted prompt.
        redis_url: queue runs in this Redis for `rxagents worker`s instead of running
            them here (see docs/redis.md); the agent is then the workers' business.
        security: Host, Origin and token rules (default: loopback names only, no token).
        temporal: start runs as workflows on this Temporal cluster for
            `rxagents worker --temporal`s (see docs/temporal.md); ``redis_url`` is then
            where their events are read (default ``redis://127.0.0.1:6379/0``).

    Raises:
        UserError: the web extra is missing, or the agent spec or a limit is wrong.
    """
    try:
        from rxagents.web.app import create_app, default_agent
        from rxagents.web.backend import InMemoryRunBackend
        from rxagents.web.inputs import WebLimits
    except ImportError as exc:
        raise UserError(
            f"rxagents serve needs the web extra ({exc.name} is missing): "
            "pip install -e '.[web]'"
        ) from exc
    limits = WebLimits(max_input_chars=max_input_chars)
    if temporal is not None and temporal.address:
        return _temporal_app(agent_spec, temporal, redis_url, limits, security)
    if redis_url is not None:
        if agent_spec:
            raise UserError("with --redis the runs execute on workers: give --agent to them")
        from rxagents.redis.backend import create_redis_app

        return create_redis_app(
            redis_url, limits=WebLimits(max_input_chars=max_input_chars), security=security
        )
    from rxagents.cli._agent_loader import load_agent_source

    agent = load_agent_source(agent_spec) if agent_spec else default_agent()
    backend = InMemoryRunBackend(agent, max_concurrent=max_concurrent, max_runs=max_runs, ttl=ttl)
    return create_app(
        backend=backend, limits=WebLimits(max_input_chars=max_input_chars), security=security
    )


def _temporal_app(
    agent_spec: str | None,
    temporal: TemporalOptions,
    redis_url: str | None,
    limits: Any,
    security: WebSecurity | None,
) -> FastAPI:
    if agent_spec:
        raise UserError("with --temporal the runs execute on workers: give --agent to them")
    from rxagents.cli._temporal import DEFAULT_EVENTS_REDIS, missing_extra

    try:
        from rxagents.temporal.backend import create_temporal_app
    except ImportError as exc:
        raise missing_extra(exc) from None
    return create_temporal_app(
        str(temporal.address),
        redis_url or DEFAULT_EVENTS_REDIS,
        namespace=temporal.namespace,
        task_queue=temporal.task_queue,
        tls=temporal.tls,
        api_key=temporal.api_key,
        heartbeat_timeout=temporal.heartbeat_timeout,
        limits=limits,
        security=security,
    )


def allowed_hosts_for(host: str, extra: list[str]) -> tuple[str, ...]:
    """The Host names to accept when bound to ``host``: a name bound to, and ``extra``.

    IP addresses and ``localhost`` are always accepted (DNS rebinding needs a name).
    """
    names = [name.strip().lower() for name in extra if name.strip()]
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        names.append(host.lower())
    return tuple(dict.fromkeys(names))


def check_address(host: str, port: int) -> None:
    """Refuse, in one line, an address uvicorn could not listen on.

    A trial bind (released at once; uvicorn then binds the address itself) turns
    a bad or taken port into a :class:`UserError` instead of uvicorn's log lines.

    Raises:
        UserError: the port is out of range, or the address cannot be bound.
    """
    if not 0 <= port <= 65535:
        raise UserError(f"--port must be between 0 and 65535 (0: any free port), got {port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as trial:
        trial.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            trial.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise UserError(f"cannot listen on {host}:{port}: {reason}") from None


def serving_line(host: str, port: int, token: bool) -> str:
    """What ``rxagents serve`` prints once it listens."""
    shown = f"[{host}]" if ":" in host else host
    suffix = " (token required)" if token else ""
    return f"rxagents: serving on http://{shown}:{port}/{suffix} (Ctrl+C stops)"


def _announcing_server(config: Any, token: bool) -> Any:
    """A uvicorn server that prints :func:`serving_line` once its socket is listening."""
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and self.servers and self.servers[0].sockets:
                port = self.servers[0].sockets[0].getsockname()[1]
                typer.echo(serving_line(config.host, port, token))

    return AnnouncingServer(config)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
        agent: Annotated[
            str | None,
            typer.Option(
                help="The agent to serve, as file.py:variable or package.module:variable "
                "(default: an assistant on the default model)."
            ),
        ] = None,
        max_concurrent: Annotated[
            int, typer.Option(help="Runs allowed at once; more answer HTTP 429.")
        ] = 8,
        max_runs: Annotated[
            int, typer.Option(help="Runs held at once (running or finished).")
        ] = 100,
        ttl: Annotated[
            float, typer.Option(help="Seconds a finished run stays readable (for resumes).")
        ] = 600.0,
        max_input_chars: Annotated[
            int, typer.Option(help="Longest accepted prompt; longer answers HTTP 413.")
        ] = 32_000,
        redis: Annotated[
            str | None,
            typer.Option(help="Queue runs in Redis for `rxagents worker`s (redis://...)."),
        ] = None,
        temporal: Annotated[
            str | None,
            typer.Option(help="Start runs on Temporal at HOST:PORT; events from --redis."),
        ] = None,
        task_queue: TaskQueueOption = "rxagents",
        namespace: NamespaceOption = "default",
        tls: TlsOption = False,
        temporal_api_key: ApiKeyOption = None,
        heartbeat_timeout: HeartbeatOption = 10.0,
        allowed_host: Annotated[
            list[str] | None,
            typer.Option(
                help="A host name clients use to reach the server (repeatable); IP addresses "
                "and localhost are always accepted, other Host headers answer 421."
            ),
        ] = None,
        allowed_origin: Annotated[
            list[str] | None,
            typer.Option(
                help="An origin (https://app.example) allowed to make cross-site requests "
                "(repeatable); other sites are refused."
            ),
        ] = None,
        token: Annotated[
            str | None,
            typer.Option(
                envvar=TOKEN_ENV,
                show_envvar=True,
                help="A bearer token every API request must send (open the page as "
                "/?token=... once).",
            ),
        ] = None,
    ) -> None:
        """Serve agent runs over HTTP: a page, SSE and WebSocket streams (see docs/web.md)."""
        try:
            check_address(host, port)
            from rxagents.web.security import WebSecurity

            security = WebSecurity(
                allowed_hosts=allowed_hosts_for(host, allowed_host or []),
                allowed_origins=tuple(allowed_origin or ()),
                token=token or None,
            )
            web_app: Any = build_app(
                agent,
                max_concurrent=max_concurrent,
                max_runs=max_runs,
                ttl=ttl,
                max_input_chars=max_input_chars,
                redis_url=redis,
                security=security,
                temporal=TemporalOptions(
                    temporal, namespace, task_queue, tls, temporal_api_key, heartbeat_timeout
                ),
            )
        except UserError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        import uvicorn

        if not _is_loopback(host) and token is None:
            typer.echo(
                f"warning: listening on {host} without a token: anyone who can reach it can "
                f"start runs; set --token (or {TOKEN_ENV}) or put it behind a proxy that "
                "authenticates",
                err=True,
            )
        config = uvicorn.Config(web_app, host=host, port=port, log_level="info")
        _announcing_server(config, token is not None).run()
