"""`rxagents worker --temporal` and `rxagents serve --temporal` as separate processes."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.processes import Processes
from tests.redis.conftest import RedisServer
from tests.temporal.server import DevServer, free_port

AGENT = f"{Path(__file__).with_name('agent_file.py')}:make_agent"


@dataclass(kw_only=True)
class TemporalCluster(Processes):
    """Workers and web nodes on one dev server and one redis-server."""

    temporal: DevServer
    redis: RedisServer
    side_effects: Path
    task_queue: str = "cluster"
    heartbeat_timeout: float = 4.0

    def env(self) -> dict[str, str]:
        env = super().env()
        env["RXAGENTS_SIDE_EFFECTS"] = str(self.side_effects)  # the agent file's tool log
        return env

    def start_worker(self) -> subprocess.Popen[bytes]:
        process = self.spawn(
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
        self.web.append((self.spawn(args), f"http://127.0.0.1:{port}"))
        return self.web[-1][1]

    def wait_ready(self, timeout: float = 180.0) -> None:
        super().wait_ready(timeout)

    def side_effect_lines(self) -> list[tuple[int, str]]:
        if not self.side_effects.exists():
            return []
        lines = self.side_effects.read_text().splitlines()
        return [(int(pid), note) for pid, _, note in (line.partition(" ") for line in lines)]
