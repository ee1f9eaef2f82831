"""`rxagents demo`: the newcomer's first command, end to end in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rxagents.cli import app

ROWS = ("poet", "explainer", "travel: triage", "travel: booking", "guarded: tutor")


def run_demo(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The demo as a newcomer runs it, with stdout a pipe (not a terminal)."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", "from rxagents.cli import main; main()", "demo", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def summary_rows(out: str) -> dict[str, list[str]]:
    """The summary table's rows: agent -> the other cells."""
    lines = out.split("summary", 1)[1].splitlines()
    rows: dict[str, list[str]] = {}
    for line in lines:
        for name in ROWS:
            if line.strip().startswith(name + " "):
                rows[name] = line.strip()[len(name) :].split()
    return rows


def test_the_scripted_demo_in_a_pipe_is_plain_text(tmp_path: Path) -> None:
    png = tmp_path / "demo.png"
    done = run_demo("--scripted", "--timeline", str(png))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "\x1b" not in out and "\r" not in out  # no escape codes, no redraws
    assert "travel:          scripted (ScriptedModel)" in out
    assert "[travel: triage] → get_weather" in out
    assert "[travel: triage] ↪ handoff triage → booking" in out
    assert "[poet] Quiet river, silver light," in out
    rows = summary_rows(out)
    assert set(rows) == set(ROWS)
    assert all(cells[0] == "scripted" for cells in rows.values())
    tools = {name: int(cells[-2]) for name, cells in rows.items()}
    assert tools == {
        "poet": 0,
        "explainer": 0,
        "travel: triage": 2,
        "travel: booking": 0,
        "guarded: tutor": 0,
    }
    # The guarded run fails alone, with the tripwire named, while the others finish.
    assert (
        "[guarded: tutor] failed: InputGuardrailTripwireTriggered: input guardrail "
        "'no_homework' triggered its tripwire" in out
    )
    assert "[travel: booking] ── done" in out
    assert png.stat().st_size > 10_000


def test_without_any_model_the_demo_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    import rxagents.models.local as local

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setattr(local, "local_model_available", lambda: False)
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: the demo needs a model")
    assert "rxagents install-local" in result.stderr and "--scripted" in result.stderr


@pytest.mark.local_model
def test_the_real_demo_runs_two_agents_on_the_embedded_model() -> None:
    done = run_demo("--max-tokens", "24")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "\x1b" not in out
    assert "poet, explainer: a real model, SmolLM2-135M (local)" in out
    rows = summary_rows(out)
    assert set(rows) == set(ROWS)
    for name in ("poet", "explainer"):
        cells = rows[name]
        assert cells[:2] == ["SmolLM2-135M", "(local)"]
        assert 0 < int(cells[2].rstrip("*")) <= 24  # tokens, capped by --max-tokens
    assert rows["travel: triage"][0] == "scripted"
