"""The names SDK users import: each is in rxagents, or in the README's list of absences."""

from __future__ import annotations

import re
from pathlib import Path

import agents
import pytest

import rxagents

README = Path(__file__).parents[2] / "README.md"


def listed_absences() -> set[str]:
    text = README.read_text()
    section = text.split("Deliberately absent", 1)[1].split("\n## ", 1)[0]
    bullets = [line for line in section.splitlines() if line.startswith("- ")]
    return {name for line in bullets for name in re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", line)}


def test_every_sdk_name_is_exported_or_listed_as_absent() -> None:
    exported = set(rxagents.__all__)
    absent = listed_absences()
    sdk = set(agents.__all__)
    missing = sorted(sdk - exported - absent)
    assert not missing, f"export these from rxagents, or list them in the README: {missing}"
    both = sorted(exported & absent)
    assert not both, f"exported, so take them off the README's absences: {both}"
    assert not absent - sdk, f"not SDK names: {sorted(absent - sdk)}"


def test_the_exported_names_exist_and_the_aliases_are_what_they_say() -> None:
    for name in rxagents.__all__:
        assert getattr(rxagents, name) is not None, name
    assert rxagents.AgentsException is rxagents.AgentsError
    assert rxagents.RunContextWrapper is rxagents.RunContext
    assert rxagents.RunResultStreaming is rxagents.RunStream
    assert rxagents.Tool is rxagents.FunctionTool
    assert isinstance(
        rxagents.Runner.run_streamed(rxagents.Agent("a"), "x"), rxagents.RunResultStreaming
    )


def test_function_tool_takes_the_sdks_keywords_too() -> None:
    def lookup(key: str, limit: int = 3) -> str:
        """Look a key up."""
        return key

    options = {"name_override": "find", "description_override": "Find it.", "strict_mode": False}
    ours = rxagents.function_tool(**options)(lookup)  # type: ignore[call-overload]
    theirs = agents.function_tool(**options)(lookup)
    assert (ours.name, ours.description, ours.strict_json_schema) == ("find", "Find it.", False)
    assert (theirs.name, theirs.description, theirs.strict_json_schema) == (
        "find", "Find it.", False,
    )
    assert ours.params_json_schema["required"] == theirs.params_json_schema["required"]
    same = rxagents.function_tool(name="find", name_override="find")(lookup)
    assert same.name == "find"
    with pytest.raises(rxagents.UserError, match="both name='a' and name_override='b'"):
        rxagents.function_tool(name="a", name_override="b")
