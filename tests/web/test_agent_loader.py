"""load_agent: 'file.py:var' and 'module:var' specs, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rxagents import Agent
from rxagents.cli._agent_loader import load_agent
from rxagents.errors import UserError

AGENT_FILE = """
from helper_mod import NAME  # a neighbouring module: the file's folder is importable
from rxagents import Agent

agent = Agent(NAME)
other = Agent("other")
number = 3
"""


@pytest.fixture
def agent_file(tmp_path: Path) -> Path:
    (tmp_path / "helper_mod.py").write_text("NAME = 'from-file'\n")
    path = tmp_path / "my_agents.py"
    path.write_text(AGENT_FILE)
    return path


def test_loads_an_agent_from_a_file(agent_file: Path) -> None:
    agent = load_agent(f"{agent_file}:agent")
    assert isinstance(agent, Agent)
    assert agent.name == "from-file"
    assert load_agent(f"{agent_file}:other").name == "other"


def test_loads_an_agent_from_a_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "agentpkg_for_loader_test"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "agents.py").write_text("from rxagents import Agent\nbot = Agent('pkg-bot')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert load_agent("agentpkg_for_loader_test.agents:bot").name == "pkg-bot"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{file}", "no ':variable' part"),
        ("{file}:", "no ':variable' part"),
        ("{file}:not a name", "not a Python variable name"),
        ("{dir}/missing.py:agent", "does not exist"),
        ("{file}:missing", "defines no variable 'missing'; Agents defined there: agent, other"),
        ("{file}:number", "'number' is a int, not an rxagents Agent"),
        ("no_such_module_xyz:agent", "agent module 'no_such_module_xyz' was not found"),
        ("{broken}:agent", "raised ZeroDivisionError while importing"),
    ],
)
def test_bad_specs_say_what_is_wrong(agent_file: Path, spec: str, message: str) -> None:
    broken = agent_file.parent / "broken.py"
    broken.write_text("x = 1 / 0\n")
    filled = spec.format(file=agent_file, dir=agent_file.parent, broken=broken)
    with pytest.raises(UserError) as caught:
        load_agent(filled)
    assert message in str(caught.value)
