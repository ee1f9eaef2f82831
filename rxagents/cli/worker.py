"""`rxagents worker`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this subcommand to ``app`` (not written yet: registers nothing)."""
