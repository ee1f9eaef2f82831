"""The ``rxagents`` command: one module per subcommand, each with ``register(app)``."""

from __future__ import annotations

import typer

from rxagents.cli import demo, run, serve, worker

__all__ = ["app", "main"]

app = typer.Typer(
    name="rxagents",
    help="Run LLM agents as streams of events.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """rxagents: LLM agent runs as ReactiveX Observables of typed stream events."""


for module in (run, demo, serve, worker):
    module.register(app)


def main() -> None:
    """Entry point of the ``rxagents`` console script."""
    app()
