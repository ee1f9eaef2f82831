"""Ctrl-C is one line and exit code 130: during imports, inside the demo, under dev.py.

Each test sends SIGINT to a whole process group, as a terminal does, at a moment
chosen by the child's own output (never by sleeping).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

needs_uv = pytest.mark.skipif(
    not (ROOT / ".uv" / "bin" / "uv").exists(), reason="dev.py's uv is not installed (.uv/)"
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    return {**env, "PYTHONUNBUFFERED": "1"}


def interrupt_after(cmd: list[str], marker: str) -> tuple[int, str, str]:
    """Start ``cmd`` in its own process group, Ctrl-C it once ``marker`` is printed."""
    child = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert child.stdout is not None
    seen = []
    for line in child.stdout:
        seen.append(line)
        if marker in line:
            break
    else:
        child.wait(timeout=60)
        pytest.fail(f"{marker!r} never printed: {''.join(seen)} {child.stderr.read()}")  # type: ignore[union-attr]
    os.killpg(child.pid, signal.SIGINT)
    out, err = child.communicate(timeout=60)
    return child.returncode, "".join(seen) + out, err


def test_ctrl_c_while_rxagents_imports_is_one_line() -> None:
    # An import hook sends the SIGINT when the package is half imported: exactly the
    # moment a console script would otherwise die with a traceback.
    script = (
        "import os, signal, sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'rxagents.events':\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "sys.argv = ['rxagents', '--version']\n"
        "from _rxagents_cli import main\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "interrupted\n")


def test_the_console_script_entry_point_is_the_import_safe_one() -> None:
    script = (BIN / "rxagents").read_text()
    assert "from _rxagents_cli import main" in script


def test_ctrl_c_during_a_run_is_one_line(tmp_path: Path) -> None:
    agent_file = tmp_path / "waits.py"
    agent_file.write_text(
        "import asyncio\n"
        "from rxagents import Agent, function_tool\n"
        "from rxagents.testing import ScriptedModel, tool_call\n\n"
        "@function_tool\n"
        "async def wait_forever() -> str:\n"
        '    """Never returns."""\n'
        "    await asyncio.Event().wait()\n"
        "    return ''\n\n"
        "agent = Agent('a', model=ScriptedModel([[tool_call('wait_forever')]]), "
        "tools=[wait_forever])\n"
    )
    cmd = [str(BIN / "rxagents"), "run", "hi", "--agent", f"{agent_file}:agent"]
    code, out, err = interrupt_after(cmd, "wait_forever")
    assert (code, err) == (130, "interrupted\n"), out


@needs_uv
def test_ctrl_c_in_dev_py_demo_is_the_demo_s_one_line() -> None:
    cmd = [sys.executable, str(ROOT / "dev.py"), "demo", "--scripted"]
    code, out, err = interrupt_after(cmd, "rxagents demo")
    assert (code, err) == (130, "interrupted\n"), out
    assert "Traceback" not in out


@needs_uv
def test_ctrl_c_in_dev_py_test_is_one_line_and_exit_130(tmp_path: Path) -> None:
    waiting = tmp_path / "test_waits.py"
    waiting.write_text(
        "import pathlib, threading\n"
        "import pytest\n\n"
        "@pytest.fixture\n"
        "def server():\n"
        "    yield\n"
        f"    pathlib.Path({str(tmp_path / 'torn-down')!r}).write_text('yes')\n\n"
        "def test_passes():\n"
        "    pass\n\n"
        "def test_waits(server):\n"
        "    print('test started', flush=True)\n"
        "    threading.Event().wait(60)\n"
    )
    ini = tmp_path / "pytest.ini"  # this folder's own settings (pytest-asyncio warns without)
    ini.write_text("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    cmd = [
        sys.executable,
        str(ROOT / "dev.py"),
        "test",
        str(waiting),
        "-q",
        "-s",
        "-p",
        "no:cacheprovider",
        "-c",
        str(ini),
    ]
    code, out, err = interrupt_after(cmd, "test started")
    assert (code, err) == (130, "interrupted (1 passed)\n"), out
    assert "KeyboardInterrupt" not in out and "Traceback" not in out
    assert (tmp_path / "torn-down").read_text() == "yes"  # fixtures (servers) still stop
