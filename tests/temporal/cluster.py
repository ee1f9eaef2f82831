"""`rxagents worker --temporal` and `rxagents serve --temporal` as separate processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.redis.conftest import RedisServer
from tests.temporal.server import DevServer, free_port

ROOT = Path(__file__).resolve().parents[2]
AGENT = f"{Path(__file__).with_name('agent_file.py')}:make_agent"
CLI = [sys.executable, "-c", "from rxagents.cli import main; main()"]


@dataclass
class TemporalCluster:
    """Workers and web nodes on one dev server and one redis-server."""

    temporal: DevServer
    redis: RedisServer
    logs: Path
    side_effects: Path
    task_queue: str = "cluster"
    heartbeat_timeout: float = 4.0
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    web: list[tuple[subprocess.Popen[bytes], str]] = field(default_factory=list)
    _log_paths: dict[int, Path] = field(default_factory=dict)

    def _spawn(self, args: list[str]) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        env["RXAGENTS_SIDE_EFFECTS"] = str(self.side_effects)
        self.logs.mkdir(parents=True, exist_ok=True)
        path = self.logs / f"process-{len(self._log_paths)}.log"
        with path.open("wb") as log:
            process = subprocess.Popen(
                [*CLI, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self._log_paths[process.pid] = path
        return process

    def start_worker(self) -> subprocess.Popen[bytes]:
        process = self._spawn(
            [
                "worker", "--temporal", self.temporal.address, "--redis", self.redis.url,
                "--agent", AGENT, "--task-queue", self.task_queue, "--concurrency", "200",
                "--sticky-timeout", "1",
            ]
        )  # fmt: skip
        self.workers.append(process)
        return process

    def start_web(self) -> str:
        port = free_port()
        args = ["serve", "--temporal", self.temporal.address, "--redis", self.redis.url]
        args += ["--task-queue", self.task_queue, "--port", str(port)]
        args += ["--heartbeat-timeout", str(self.heartbeat_timeout)]
        self.web.append((self._spawn(args), f"http://127.0.0.1:{port}"))
        return self.web[-1][1]

    def log_of(self, process: subprocess.Popen[bytes]) -> str:
        return self._log_paths[process.pid].read_text(errors="replace")

    def wait_ready(self, timeout: float = 180.0) -> None:
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

    def kill(self, pid: int) -> None:
        process = next(p for p in self.workers if p.pid == pid)
        os.kill(pid, signal.SIGKILL)
        process.wait(10)
        self.workers.remove(process)

    def stop(self) -> None:
        for process in [*self.workers, *(p for p, _ in self.web)]:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(10)

    def side_effect_lines(self) -> list[tuple[int, str]]:
        if not self.side_effects.exists():
            return []
        lines = self.side_effects.read_text().splitlines()
        return [(int(pid), note) for pid, _, note in (line.partition(" ") for line in lines)]
