"""Web nodes and workers as separate processes, as they run in production."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.processes import Processes
from tests.redis.conftest import RedisServer, free_port

AGENT = f"{Path(__file__).with_name('agent_file.py')}:make_agent"


@dataclass(kw_only=True)
class Cluster(Processes):
    """``rxagents serve --redis`` nodes and ``rxagents worker`` processes on one Redis."""

    redis: RedisServer
    lease_timeout: float = 3.0
    concurrency: int = 50

    def start_worker(self, *extra: str) -> subprocess.Popen[bytes]:
        process = self.spawn(
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
        process = self.spawn(["serve", "--redis", self.redis.url, "--port", str(port)])
        url = f"http://127.0.0.1:{port}"
        self.web.append((process, url))
        return url
