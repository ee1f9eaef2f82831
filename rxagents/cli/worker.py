"""`rxagents worker`: run agent runs (queued in Redis, or on Temporal), publish their events."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Annotated, Any

import typer

from rxagents.agent import Agent
from rxagents.cli._agent_loader import load_agent_source
from rxagents.cli._temporal import (
    DEFAULT_EVENTS_REDIS,
    ApiKeyOption,
    NamespaceOption,
    StickyOption,
    TaskQueueOption,
    TlsOption,
    run_temporal_worker,
)
from rxagents.errors import AgentsError, UserError

__all__ = ["load_agent_source", "register"]


def _default_agent() -> Agent[Any]:
    return Agent(
        name="assistant",
        instructions="You are a helpful assistant. Answer clearly and briefly.",
    )


async def _serve(worker: Any) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    presses = 0

    def on_signal() -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            typer.echo("rxagents worker: finishing runs in progress (signal again to quit now)")
            worker.stop()
        else:
            task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    try:
        await worker.run()
    except asyncio.CancelledError:
        if presses < 2:
            raise
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await worker.client.aclose()


def register(app: typer.Typer) -> None:
    """Add ``worker`` to ``app``."""

    @app.command()
    def worker(
        redis: Annotated[
            str | None,
            typer.Option(
                help="Redis URL, e.g. redis://:password@host:6379/0 (rediss:// for TLS): the "
                "run queue, or with --temporal where events are published "
                f"(default then {DEFAULT_EVENTS_REDIS})."
            ),
        ] = None,
        agent: Annotated[
            str | None,
            typer.Option(
                help="The agent, as file.py:variable or package.module:variable; the variable "
                "may hold an Agent or a function returning one per run "
                "(default: an assistant on the default model)."
            ),
        ] = None,
        concurrency: Annotated[int, typer.Option(help="Runs executed at once.")] = 8,
        prefix: Annotated[
            str, typer.Option(help="Key prefix shared with `rxagents serve --redis`.")
        ] = "rxagents",
        lease_timeout: Annotated[
            float, typer.Option(help="Seconds before a silent worker's runs are taken over.")
        ] = 10.0,
        max_restarts: Annotated[
            int,
            typer.Option(help="Restarts of a run whose worker was lost (0: fail it instead)."),
        ] = 1,
        ttl: Annotated[
            float, typer.Option(help="Seconds a run's events stay in Redis after its last one.")
        ] = 3600.0,
        maxlen: Annotated[int, typer.Option(help="Events kept per run at most.")] = 100_000,
        max_turns: Annotated[int, typer.Option(help="Model calls allowed per run.")] = 10,
        temporal: Annotated[
            str | None,
            typer.Option(help="Serve durable runs from Temporal at HOST:PORT (docs/temporal.md)."),
        ] = None,
        task_queue: TaskQueueOption = "rxagents",
        namespace: NamespaceOption = "default",
        tls: TlsOption = False,
        temporal_api_key: ApiKeyOption = None,
        sticky_timeout: StickyOption = 5.0,
    ) -> None:
        """Take runs queued by `rxagents serve --redis` (docs/redis.md), or with --temporal
        durable runs started by `rxagents serve --temporal` (docs/temporal.md)."""
        source = agent  # loaded inside the error handling below
        if temporal is not None:
            _exit_on_error(
                lambda: run_temporal_worker(
                    temporal, load_agent_source(source) if source else _default_agent(),
                    redis_url=redis or DEFAULT_EVENTS_REDIS, task_queue=task_queue,
                    namespace=namespace, concurrency=concurrency, tls=tls,
                    api_key=temporal_api_key, ttl=ttl, maxlen=maxlen,
                    sticky_timeout=sticky_timeout,
                )
            )  # fmt: skip
            return
        if redis is None:
            typer.echo("error: give --redis URL (a run queue) or --temporal HOST:PORT", err=True)
            raise typer.Exit(2)
        options = {
            "concurrency": concurrency, "prefix": prefix, "lease_timeout": lease_timeout,
            "max_restarts": max_restarts, "ttl": ttl, "maxlen": maxlen, "max_turns": max_turns,
        }  # fmt: skip
        _exit_on_error(lambda: _run_redis_worker(redis, agent, options))


def _exit_on_error(serve: Callable[[], None]) -> None:
    """Run ``serve``; a configuration mistake exits 2, a run-time failure 1 (one line)."""
    try:
        serve()
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except AgentsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _run_redis_worker(url: str, agent: str | None, options: dict[str, Any]) -> None:
    try:
        from rxagents.redis import connect
        from rxagents.redis.worker import RedisWorker
    except ImportError as exc:
        typer.echo(
            f"error: rxagents worker needs the redis extra ({exc.name} is missing): "
            "pip install -e '.[redis]'",
            err=True,
        )
        raise typer.Exit(2) from None

    async def main() -> None:
        source = load_agent_source(agent) if agent else _default_agent()
        runner = RedisWorker(connect(url), source, **options)
        typer.echo(
            f"rxagents worker {runner.name}: serving {options['prefix']}:requests "
            f"(concurrency {options['concurrency']}; Ctrl+C finishes runs in progress)"
        )
        await _serve(runner)

    asyncio.run(main())
