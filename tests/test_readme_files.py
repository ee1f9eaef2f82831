"""The README names only files that exist, and its shell one-liners do what they say."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

LINK = re.compile(r"\]\(([^)\s]+)\)")
# A path into one of the repository's folders, anywhere (prose, code, commands).
PATH = re.compile(
    r"(?<![\w/.:-])((?:examples|docs|notebooks|benchmarks|tests|rxagents|tools|shared|\.ci)"
    r"/[\w./-]*)"
)
# A bare file name in backticks: `dev.py`, `uv.lock`.
FILE = re.compile(r"`([\w.-]+\.(?:py|md|toml|lock|ipynb|txt|json))`")
PLACEHOLDERS = {"file.py"}  # `--agent file.py:var`: the reader's own file


def mentioned_paths() -> set[str]:
    # Links without their #anchor (the file must exist; the anchor is the page's business).
    found = {m.split("#")[0] for m in LINK.findall(README) if not re.match(r"[a-z]+:|#", m)}
    found |= {m.rstrip(".,;:)") for m in PATH.findall(README)}
    found |= set(FILE.findall(README)) - PLACEHOLDERS
    return {p.split(":")[0] for p in found if p}


def test_the_readme_mentions_files_and_all_of_them_exist() -> None:
    paths = mentioned_paths()
    assert {"examples/quickstart.py", "docs/web.md", "dev.py", "notebooks/"} <= paths
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == []


def test_every_example_script_is_named_in_the_readme() -> None:
    shipped = {f"examples/{p.name}" for p in (ROOT / "examples").glob("*.py")}
    assert shipped - mentioned_paths() == set()


@pytest.mark.skipif(shutil.which("jq") is None, reason="needs jq")
def test_the_readme_jq_one_liner_prints_just_the_text() -> None:
    line = next(x for x in README.splitlines() if "| jq " in x)
    command = line.split("  #")[0].replace(
        "rxagents ", f"{Path(sys.executable).parent}/rxagents ", 1
    )
    done = subprocess.run(
        command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "Sunny and 24°C: a fine weekend for Lisbon.Booked: two nights at a hotel in Alfama."
    )
