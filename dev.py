#!/usr/bin/env python3
"""Set everything up and run the main job or the tests: the README's two commands.

    python3 dev.py demo      # the live multi-agent demo
    python3 dev.py test      # the whole test suite (as CI runs it)
    python3 dev.py bench     # the benchmarks, written to benchmarks/RESULTS.md
    python3 dev.py lint      # ruff, mypy --strict, the import layers, no import cycles

Needs only Python >= 3.11 and access to PyPI. It installs uv into ``.uv/``,
creates ``.venv/`` from ``uv.lock`` with every extra, and for the tests the
Debian packages the browser and Redis tests need (when run as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
UV_VERSION = "0.13.9"
APT_PACKAGES = {"chromium": "/usr/bin/chromium", "chromium-driver": "/usr/bin/chromedriver",
                "redis-server": "/usr/bin/redis-server"}

SIZED = ["rxagents/rx/", "rxagents/cli/", "rxagents/web/", "rxagents/redis/", "rxagents/sinks/",
         "rxagents/models/"]
"""Packages within the size limits, so ``lint`` fails if they grow past them (the rest are
reported; add each here once it is split, and the core modules once run/ and snapshot are)."""


def run(*cmd: str | Path, **env: str) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, env={**os.environ, **env})


def uv() -> Path:
    tool = ROOT / ".uv" / "bin" / "uv"
    if not tool.exists():
        run(sys.executable, "-m", "venv", ROOT / ".uv")
        run(ROOT / ".uv" / "bin" / "python", "-m", "pip", "install", "-q", f"uv=={UV_VERSION}")
    return tool


def sync() -> None:
    # One environment for every job (the test suite smoke-runs the benchmarks).
    run(uv(), "sync", "--locked", "--all-extras", "--all-groups", "--python", sys.executable)


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


def main() -> int:
    job = sys.argv[1] if len(sys.argv) > 1 else "demo"
    extra = sys.argv[2:]
    bin_dir = ROOT / ".venv" / "bin"
    if job == "demo":
        sync()
        run(bin_dir / "rxagents", "demo", *extra)
    elif job == "test":
        sync()
        apt_install()
        run(bin_dir / "python", "-m", "pytest", *extra)
    elif job == "lint":
        sync()
        run(bin_dir / "ruff", "check", "rxagents", "tests", "benchmarks", "tools", "dev.py")
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
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
