"""docs/models.md, "Writing a provider": the toy provider runs as written and does what it says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from rxagents.models import registered_provider, unregister_provider

DOC = Path(__file__).resolve().parents[2] / "docs" / "models.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def test_the_toy_provider_runs_as_written(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "RXAGENTS_MODEL"):
        monkeypatch.delenv(name, raising=False)  # no server: the toy/ prefix alone decides
    blocks = BLOCK.findall(section("Writing a provider"))
    assert len(blocks) == 3
    namespace: dict[str, Any] = {"__name__": "docs_models"}
    try:
        for number, source in enumerate(blocks, 1):
            exec(compile(source, f"docs/models.md provider block {number}", "exec"), namespace)
        provider = registered_provider("toy/clock-1")
        assert type(provider).__name__ == "ToyProvider"
    finally:
        unregister_provider("toy/")
    result = namespace["result"]
    assert result.final_output == "It is noon."
    assert capsys.readouterr().out.splitlines() == [
        "It is noon.",
        "toy/clock-1 on the toy API",
    ]
    # The builder numbered the toy model's events like every other model's.
    raw = [e.data for e in namespace["collected"].events if e.type == "raw_response_event"]
    first_turn = raw[: next(i for i, e in enumerate(raw) if e.type == "response.completed") + 1]
    assert [e.sequence_number for e in first_turn] == list(range(len(first_turn)))
    assert first_turn[-1].response.output[0].name == "get_time"
