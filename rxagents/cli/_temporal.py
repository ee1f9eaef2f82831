"""The Temporal side of `rxagents worker` and `rxagents serve` (needs the temporal extra)."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated, Any

import typer

from rxagents.errors import UserError

__all__ = [
    "DEFAULT_EVENTS_REDIS",
    "ApiKeyOption",
    "HeartbeatOption",
    "NamespaceOption",
    "StickyOption",
    "TaskQueueOption",
    "TlsOption",
    "missing_extra",
    "run_temporal_worker",
]

DEFAULT_EVENTS_REDIS = "redis://127.0.0.1:6379/0"
"""Where durable runs publish their events when ``--redis`` is not given."""


def missing_extra(exc: ImportError) -> UserError:
    return UserError(
        f"--temporal needs the temporal extra ({exc.name} is missing): "
        "pip install -e '.[temporal]'"
    )


async def _until_signalled(worker: Any) -> None:
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(worker.run())
    presses = 0
    stopping: list[asyncio.Future[None]] = []

    def on_signal() -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            typer.echo("rxagents worker: finishing activities in progress (signal again to quit)")
            stopping.append(asyncio.ensure_future(worker.shutdown()))
        else:
            task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    try:
        await task
    except asyncio.CancelledError:
        if presses < 2:
            raise
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def run_temporal_worker(
    address: str,
    source: Any,
    *,
    redis_url: str,
    task_queue: str,
    namespace: str,
    concurrency: int,
    tls: bool,
    api_key: str | None,
    ttl: float,
    maxlen: int,
    sticky_timeout: float = 5.0,
) -> None:
    """Serve ``task_queue`` until SIGINT/SIGTERM (a second one quits at once)."""
    try:
        from rxagents.redis import connect
        from rxagents.temporal.client import connect_temporal
        from rxagents.temporal.worker import TemporalWorker
    except ImportError as exc:
        raise missing_extra(exc) from None

    async def main() -> None:
        client = await connect_temporal(address, namespace=namespace, tls=tls, api_key=api_key)
        redis = connect(redis_url)
        try:
            worker = TemporalWorker(
                client, redis, source, task_queue=task_queue, concurrency=concurrency,
                ttl=ttl, maxlen=maxlen, sticky_timeout=sticky_timeout,
            )  # fmt: skip
            typer.echo(
                f"rxagents worker: serving Temporal task queue {task_queue!r} at {address} "
                f"(namespace {namespace!r}, concurrency {concurrency}; Ctrl+C finishes "
                "activities in progress)"
            )
            await _until_signalled(worker)
        finally:
            await redis.aclose()

    asyncio.run(main())


# The options `worker` and `serve` share with --temporal (defined once, here).
TaskQueueOption = Annotated[str, typer.Option(help="With --temporal: the task queue.")]
NamespaceOption = Annotated[str, typer.Option(help="With --temporal: the Temporal namespace.")]
TlsOption = Annotated[bool, typer.Option(help="With --temporal: connect with TLS.")]
ApiKeyOption = Annotated[
    str | None,
    typer.Option(
        envvar="TEMPORAL_API_KEY",
        show_default=False,
        help="With --temporal: an API key (Temporal Cloud; implies TLS).",
    ),
]
StickyOption = Annotated[
    float,
    typer.Option(
        help="With --temporal: seconds a run waits for the worker that last ran its "
        "workflow before any worker takes it."
    ),
]
HeartbeatOption = Annotated[
    float,
    typer.Option(
        help="With --temporal: seconds of silence after which a worker counts as lost and "
        "its model turn or tool call is retried on another."
    ),
]
