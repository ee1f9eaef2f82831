"""Runs on a real Temporal dev server: events, results and errors as in process."""

from __future__ import annotations

from typing import Any

from rxagents import Runner
from rxagents.testing.grammar import assert_valid_run
from tests.redis.helpers import collect, dumps
from tests.temporal.agent_file import make_agent, reply_for


def _scrub(value: Any) -> Any:
    """Without what differs between any two runs: run ids and timestamps."""
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in ("run_id", "created_at")}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _without_ids(events: list[dict[str, Any]]) -> Any:
    return _scrub(events)


async def test_a_run_streams_the_same_events_as_in_process(serve: Any) -> None:
    async with serve(make_agent) as runs:
        run_id = await runs.start("hello")
        events, error = await collect(runs.events(run_id))
    assert error is None
    assert_valid_run(events)
    assert [e.sequence_number for e in events] == list(range(len(events)))
    local = [e async for e in Runner.run_streamed(make_agent(), "hello")]
    assert _without_ids(dumps(events)) == _without_ids(dumps(local))
    assert events[-1].result.final_output == reply_for("hello")
