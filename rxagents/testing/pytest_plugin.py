"""A pytest plugin for pipeline tests, loaded automatically when rxagents is installed.

It adds two fixtures and readable comparisons:

- ``marbles``: a fresh :class:`~rxagents.testing.Marbles` (a TestScheduler with
  marble helpers) for the test.
- ``tool_probe``: a fresh :class:`~rxagents.testing.ToolProbe`.
- ``assert events == expected`` on lists of run events (or TestScheduler
  recordings of them) explains the first difference with one line per event
  instead of two walls of pydantic reprs.

Nothing heavy is imported until a fixture or a comparison needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from rxagents.testing.marbles import Marbles
    from rxagents.testing.probes import ToolProbe


@pytest.fixture
def marbles() -> Marbles:
    """A :class:`~rxagents.testing.Marbles` with its own TestScheduler."""
    from rxagents.testing.marbles import Marbles

    return Marbles()


@pytest.fixture
def tool_probe() -> ToolProbe:
    """A :class:`~rxagents.testing.ToolProbe` for this test's tools."""
    from rxagents.testing.probes import ToolProbe

    return ToolProbe()


def _is_stream_event(value: Any) -> bool:
    return hasattr(value, "sequence_number") and hasattr(value, "run_id")


def _line(value: Any) -> str:
    from reactivex.notification import Notification
    from reactivex.testing.recorded import Recorded

    from rxagents.testing._describe import describe

    prefix = ""
    if isinstance(value, Recorded):
        prefix = f"@{value.time:g} "
        value = value.value
        if isinstance(value, Notification) and value.kind == "N":
            value = getattr(value, "value", value)
        elif isinstance(value, Notification):
            return f"{prefix}{value}"
    if _is_stream_event(value):
        return f"{prefix}seq={value.sequence_number} {describe(value)}"
    return f"{prefix}{value!r}"[:120]


def _looks_like_events(values: Any) -> bool:
    if not isinstance(values, list) or not values:
        return False
    from reactivex.testing.recorded import Recorded

    first = values[0]
    if isinstance(first, Recorded):
        return any(_is_stream_event(getattr(r.value, "value", None)) for r in values)
    return _is_stream_event(first)


def pytest_assertrepr_compare(op: str, left: Any, right: Any) -> list[str] | None:
    """Explain ``==`` between two lists of run events, one line per event."""
    if op != "==" or not (_looks_like_events(left) or _looks_like_events(right)):
        return None
    if not (isinstance(left, list) and isinstance(right, list)):
        return None
    first = next(
        (i for i, (a, b) in enumerate(zip(left, right, strict=False)) if a != b),
        min(len(left), len(right)),
    )
    lines = [
        f"run events differ at position {first} (left {len(left)}, right {len(right)} events):"
    ]
    for i in range(max(0, first - 2), min(max(len(left), len(right)), first + 3)):
        mark = ">>" if i == first else "  "
        a = _line(left[i]) if i < len(left) else "(none)"
        b = _line(right[i]) if i < len(right) else "(none)"
        lines.append(f"{mark} [{i}] {a}")
        if a != b or i == first:
            lines.append(f"   {' ' * len(str(i))}  vs {b}")
    return lines
