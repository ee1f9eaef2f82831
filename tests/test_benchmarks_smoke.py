"""The benchmarks keep working: a ``--quick`` run yields well-formed results.

Timings are never asserted (the machines are shared and noisy); these tests
check that every benchmark runs, every contender did the whole job, and the
report is a well-formed table.
"""

from __future__ import annotations

import asyncio
import importlib.util
import math
import re
from pathlib import Path

import pytest

pytest.importorskip("agents", reason="the benchmarks need the bench dependency group")

from benchmarks.__main__ import main
from benchmarks.child import measure
from benchmarks.harness import QUICK, Section
from benchmarks.report import machine, render
from benchmarks.suite import SUITE, run_suite
from benchmarks.workload import events_per_script, one_turn, tool_turns


@pytest.fixture(scope="module")
def sections() -> list[Section]:
    # The Redis and Temporal benchmarks need servers and have their own smoke tests
    # (tests/redis, tests/temporal).
    return run_suite(QUICK, [name for name in SUITE if name not in ("redis", "temporal")])


def test_every_benchmark_reports_a_full_table(sections: list[Section]) -> None:
    keys = {s.key for s in sections}
    expected = {"throughput_one", "throughput_turns", "latency", "backpressure", "scaling"}
    expected |= {"concurrency", "memory", "startup"}
    if importlib.util.find_spec("uvicorn") is not None:
        expected |= {"http_chat", "http_responses", "http_concurrent"}
        expected |= {"e2e_responses", "e2e_chat"}
    assert expected <= keys
    for section in sections:
        assert section.rows, section.key
        for row in section.rows:
            assert len(row) == len(section.columns), (section.key, row)
            assert all(cell.strip() for cell in row), (section.key, row)
        for name, value in section.data.items():
            assert math.isfinite(value), (section.key, name)


def test_every_contender_consumed_the_whole_run(sections: list[Section]) -> None:
    by_key = {s.key: s for s in sections}
    scripts = {"throughput_one": one_turn(200), "throughput_turns": tool_turns(10, 20)}
    for key, script in scripts.items():
        data = by_key[key].data
        model_events = events_per_script(script)
        assert data["a_stream_events"] == model_events
        # rxagents and the SDK add agent-updated and run-item events to the model's.
        assert data["b_stream_events"] > model_events
        assert data["b'_stream_events"] == data["b_stream_events"]
        assert data["d_stream_events"] > model_events
    backpressure = by_key["backpressure"].data
    assert 0 < backpressure["rx_max_lag"] <= 256  # bounded by the iterator's maxsize


def test_targets_are_checked_and_reported(sections: list[Section]) -> None:
    targets = [t for s in sections for t in s.targets]
    names = " ".join(t.name for t in targets)
    for topic in ("overhead above the floor", "vs the SDK", "first event", "scaling"):
        assert topic in names
    assert all(isinstance(t.met, bool) and t.value and t.goal for t in targets)


def test_results_markdown_is_well_formed(sections: list[Section]) -> None:
    text = render(sections, machine(), command="python -m benchmarks --quick", seconds=1.0)
    assert text.startswith("# rxagents benchmarks\n")
    for field in ("date", "machine", "cpu", "python", "versions"):
        assert f"- **{field}**:" in text
    assert "openai-agents" in text
    tables = re.findall(r"((?:^\|.*\|\n)+)", text, flags=re.M)
    assert len(tables) == len(sections) + 1  # plus the targets table
    for table in tables:
        lines = table.strip().split("\n")
        assert re.fullmatch(r"\|(---\|)+", lines[1])
        widths = {line.count(" | ") for line in lines if not line.startswith("|---")}
        assert len(widths) == 1, table


def test_memory_probe_runs_in_a_fresh_process() -> None:
    figures = asyncio.run(measure("scaling_subscribe", 200))
    assert figures["peak_rss_growth_mib"] >= 0


def test_command_line_writes_the_results_file(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    assert main(["--quick", "--only", "latency", "--output", str(out)]) == 0
    text = out.read_text()
    assert "## Time to first event" in text
    assert "--only latency" in text
