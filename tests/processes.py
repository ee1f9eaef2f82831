"""CLI processes for the multi-process tests: spawn, wait until they serve, stop.

The Redis and Temporal cluster tests subclass :class:`Processes` with the
commands that start their own workers and web nodes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from rxagents.cli import main; main()"]


@dataclass(kw_only=True)
class Processes:
    """``rxagents`` CLI processes with a log file each, killed by :meth:`stop`."""

    logs: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    web: list[tuple[subprocess.Popen[bytes], str]] = field(default_factory=list)
    _log_paths: dict[int, Path] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """The processes' environment: this checkout importable, output unbuffered."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        """Start ``rxagents ARGS`` with its output in a log file of its own."""
        self.logs.mkdir(parents=True, exist_ok=True)
        path = self.logs / f"process-{len(self._log_paths)}.log"
        with path.open("wb") as log:
            process = subprocess.Popen(
                [*CLI, *args], cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT
            )
        self._log_paths[process.pid] = path
        return process

    def log_of(self, process: subprocess.Popen[bytes]) -> str:
        return self._log_paths[process.pid].read_text(errors="replace")

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Wait until every worker says it is serving and every web node answers ``/``."""
        deadline = time.monotonic() + timeout
        for process in self.workers:
            while "serving" not in self.log_of(process):
                assert process.poll() is None, f"worker exited: {self.log_of(process)}"
                assert time.monotonic() < deadline, "worker did not start"
                time.sleep(0.05)
        for process, url in self.web:
            while not self._answers(process, url):
                assert time.monotonic() < deadline, f"web node {url} did not start"
                time.sleep(0.05)

    def _answers(self, process: subprocess.Popen[bytes], url: str) -> bool:
        assert process.poll() is None, f"web node exited: {self.log_of(process)}"
        try:
            return httpx.get(f"{url}/", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def worker_by_pid(self, pid: int) -> subprocess.Popen[bytes]:
        return next(p for p in self.workers if p.pid == pid)

    def kill(self, pid: int) -> None:
        """SIGKILL the worker ``pid`` and forget it."""
        process = self.worker_by_pid(pid)
        os.kill(pid, signal.SIGKILL)
        process.wait(10)
        self.workers.remove(process)

    def stop(self) -> None:
        for process in [*self.workers, *(p for p, _ in self.web)]:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(10)
