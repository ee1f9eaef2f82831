"""A small soak (the benchmark's own code): runs left at random points leak nothing."""

from __future__ import annotations

from benchmarks.soak import soak


async def test_a_small_soak_leaks_no_task_and_no_socket() -> None:
    figures = await soak(sequential=120, concurrent=60, seed=3)
    assert figures["sequential_left"] > 0 and figures["concurrent_left"] > 0
    assert figures["pending_after_sequential"] == 0
    assert figures["pending_after_concurrent"] == 0
    assert figures["server_open_sockets"] == 0
