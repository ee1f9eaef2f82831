"""The examples of docs/operators.md's state, merge, nested and partial sections run as shown."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "operators.md"
SECTIONS = (
    "## State: `accumulate` and `final_result`",
    "## Several runs: `merge_runs`",
    "## Agents as tools: sub-run events in the parent's stream",
    "## Structured output while streaming: `partial_output`",
)


def examples() -> list[tuple[str, str]]:
    text = DOC.read_text()
    found: list[tuple[str, str]] = []
    for heading in SECTIONS:
        start = text.index(heading)
        end = text.find("\n## ", start + len(heading))
        body = text[start : end if end != -1 else len(text)]
        found += [(heading, code) for code in re.findall(r"```python\n(.*?)```", body, re.S)]
    return found


def expected_output(code: str) -> list[str]:
    """The output the example shows: comments on print lines, and comment-only lines."""
    lines: list[str] = []
    for line in code.splitlines():
        stripped = line.strip()
        if stripped.startswith("# "):
            lines.append(stripped[2:])
        elif "print(" in line and "  # " in line:
            lines.append(line.split("  # ", 1)[1])
    return lines


@pytest.mark.parametrize(("heading", "code"), examples(), ids=lambda v: str(v)[:40])
def test_example_prints_what_the_doc_says(heading: str, code: str) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"<{heading}>", "exec"), {"__name__": "__doc_example__"})
    assert out.getvalue().splitlines() == expected_output(code)
