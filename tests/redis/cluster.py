"""Web nodes and workers as separate processes, as they run in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.redis.conftest import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
AGENT = f"{Path(__file__).with_name('agent_file.py')}:make_agent"
CLI = [sys.executable, "-c", "from rxagents.cli import main; main()"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Cluster:
    """``rxagents serve --redis`` nodes and ``rxagents worker`` processes on one Redis."""

    redis: RedisServer
    logs: Path
    lease_timeout: float = 3.0
    concurrency: int = 50
    web: list[tuple[subprocess.Popen[bytes], str]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _log_paths: dict[int, Path] = field(default_factory=dict)

    def _spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        path = self.logs / f"process-{len(self._log_paths)}.log"
        with path.open("wb") as log:
            process = subprocess.Popen(
                [*CLI, *args], cwd=ROOT, env=_env(), stdout=log, stderr=subprocess.STDOUT
            )
        self._log_paths[process.pid] = path
        return process

    def start_worker(self, *extra: str) -> subprocess.Popen[bytes]:
        process = self._spawn(
            [
                "worker", "--redis", self.redis.url, "--agent", AGENT,
                "--concurrency", str(self.concurrency),
                "--lease-timeout", str(self.lease_timeout), *extra,
            ]
        )  # fmt: skip
        self.workers.append(process)
        return process

    def start_web(self) -> str:
        port = free_port()
        process = self._spawn(["serve", "--redis", self.redis.url, "--port", str(port)])
        url = f"http://127.0.0.1:{port}"
        self.web.append((process, url))
        return url

    def log_of(self, process: subprocess.Popen[bytes]) -> str:
        return self._log_paths[process.pid].read_text(errors="replace")

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        for process in self.workers:
            while "serving" not in self.log_of(process):
                assert process.poll() is None, f"worker exited: {self.log_of(process)}"
                assert time.monotonic() < deadline, "worker did not start"
                time.sleep(0.05)
        for process, url in self.web:
            while True:
                assert process.poll() is None, f"web node exited: {self.log_of(process)}"
                try:
                    if httpx.get(f"{url}/", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, f"web node {url} did not start"
                time.sleep(0.05)

    def worker_by_pid(self, pid: int) -> subprocess.Popen[bytes]:
        return next(p for p in self.workers if p.pid == pid)

    def stop(self) -> None:
        for process in [*self.workers, *(p for p, _ in self.web)]:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(10)
