"""The ``rxagents`` command: one module per subcommand, each with ``register(app)``."""

from __future__ import annotations

from typing import Annotated

import typer

from rxagents.cli import demo, install, run, serve, worker
from rxagents.cli._help import FlagsWithoutTypes

__all__ = ["app", "main"]

app = typer.Typer(
    name="rxagents",
    cls=FlagsWithoutTypes,
    help="Run LLM agents as streams of events.",
    no_args_is_help=True,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"rxagents {version('rxagents')}")
        raise typer.Exit()


@app.callback()
def _root(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """rxagents: LLM agent runs as ReactiveX Observables of typed stream events."""


for module in (run, demo, serve, worker, install):
    module.register(app)


def main() -> None:
    """Entry point of the ``rxagents`` console script."""
    app()
