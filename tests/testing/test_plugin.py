"""The pytest plugin (registered through the ``pytest11`` entry point)."""

from __future__ import annotations

from rxagents.testing import Marbles, StreamBuilder, ToolProbe
from rxagents.testing.pytest_plugin import pytest_assertrepr_compare


def test_fixtures_come_from_the_plugin(marbles: Marbles, tool_probe: ToolProbe) -> None:
    assert isinstance(marbles, Marbles) and isinstance(tool_probe, ToolProbe)
    b = StreamBuilder()
    v = {"a": b.delta("x")}
    assert marbles.start(marbles.cold("-a|", v)) == marbles.expected("-a|", v)


def test_event_lists_are_compared_one_line_per_event() -> None:
    b = StreamBuilder()
    left = [b.agent_updated(), b.delta("Hel"), b.delta("lo"), b.completed()]
    right = [*left[:2], left[2].model_copy(update={"sequence_number": 9}), left[3]]
    lines = pytest_assertrepr_compare("==", left, right)
    assert lines is not None
    assert lines[0] == "run events differ at position 2 (left 4, right 4 events):"
    assert ">> [2] seq=2 raw response.output_text.delta 'lo'" in lines
    assert any("vs seq=9 raw response.output_text.delta 'lo'" in line for line in lines)
    assert pytest_assertrepr_compare("==", [1, 2], [1, 3]) is None  # other lists: pytest's own


def test_recordings_are_compared_with_their_times() -> None:
    b = StreamBuilder()
    v = {"a": b.delta("a"), "b": b.delta("b")}
    m = Marbles()
    lines = pytest_assertrepr_compare("==", m.expected("-a-b|", v), m.expected("-a--b|", v))
    assert lines is not None
    assert ">> [1] @203 seq=1 raw response.output_text.delta 'b'" in lines
    assert any(line.endswith("vs @204 seq=1 raw response.output_text.delta 'b'") for line in lines)
