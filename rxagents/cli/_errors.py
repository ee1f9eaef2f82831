"""How `rxagents run` and `rxagents demo` fail: one clear line, a non-zero exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from rxagents.errors import AgentsError, UserError

__all__ = ["exit_on_error"]


@contextmanager
def exit_on_error(debug: bool) -> Iterator[None]:
    """Turn exceptions into ``error: <message>`` on stderr and an exit code.

    Exit codes: 2 for a configuration mistake (:class:`UserError`), 1 for any
    other failure, 130 for Ctrl-C. With ``debug`` the traceback is shown too.
    A closed pipe (``rxagents run --json ... | head``) ends quietly.
    """
    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    except BrokenPipeError:
        # The reader went away: stop writing, and keep Python's exit flush quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None
    except Exception as exc:
        if debug:
            raise
        message = str(exc) or "(no message)"
        if not isinstance(exc, AgentsError):
            message = f"{type(exc).__name__}: {message}"
        first_line = message.strip().splitlines()[0] if message.strip() else message
        typer.echo(f"error: {first_line}", err=True)
        raise typer.Exit(2 if isinstance(exc, UserError) else 1) from None
