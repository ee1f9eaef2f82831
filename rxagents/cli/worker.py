"""`rxagents worker`: run queued agent runs from Redis and publish their events."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated, Any

import typer

from rxagents.agent import Agent
from rxagents.cli._agent_loader import load_agent_source
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
            str,
            typer.Option(help="Redis URL, e.g. redis://:password@host:6379/0 (rediss:// for TLS)."),
        ],
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
    ) -> None:
        """Take runs queued by `rxagents serve --redis` and publish their events (docs/redis.md)."""
        try:
            from rxagents.redis import connect
            from rxagents.redis.worker import RedisWorker
        except ImportError as exc:
            typer.echo(
                f"error: rxagents worker needs the redis extra ({exc.name} is missing): "
                "pip install 'rxagents[redis]'",
                err=True,
            )
            raise typer.Exit(2) from None

        async def main() -> None:
            source = load_agent_source(agent) if agent else _default_agent()
            runner = RedisWorker(
                connect(redis),
                source,
                concurrency=concurrency,
                prefix=prefix,
                lease_timeout=lease_timeout,
                max_restarts=max_restarts,
                ttl=ttl,
                maxlen=maxlen,
                max_turns=max_turns,
            )
            typer.echo(
                f"rxagents worker {runner.name}: serving {prefix}:requests "
                f"(concurrency {concurrency}; Ctrl+C finishes runs in progress)"
            )
            await _serve(runner)

        try:
            asyncio.run(main())
        except UserError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except AgentsError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
