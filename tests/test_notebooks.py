"""The notebooks in notebooks/: each runs top to bottom in a fresh kernel, and is committed clean.

Each notebook is executed with nbclient in a new Jupyter kernel started from this
interpreter (the project's ``.venv``), with no OpenAI configuration in the
environment, in a scratch working directory. A cell that raises fails the test with
the cell's source and traceback. The local-model notebook is marked ``local_model``.

Notebooks are committed without outputs; to strip them after working in Jupyter:
``.venv/bin/python tests/test_notebooks.py --strip notebooks/*.ipynb``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

import rxagents

nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = [
    "01_quickstart.ipynb",
    "02_operators.ipynb",
    "03_multi_agent.ipynb",
    "04_testing_pipelines.ipynb",
    "05_local_model.ipynb",
]
NEEDS_LOCAL_MODEL = {"05_local_model.ipynb"}
USES_DISPLAY_RUN = {"01_quickstart.ipynb", "03_multi_agent.ipynb"}
KERNEL = "rxagents-test-python"
# Configuration a user's shell might carry that would change which model runs.
MODEL_ENVIRONMENT = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "RXAGENTS_API", "RXAGENTS_MODEL")


def _notebook_params() -> list[Any]:
    return [
        pytest.param(
            name,
            id=name.removesuffix(".ipynb"),
            marks=[pytest.mark.local_model] if name in NEEDS_LOCAL_MODEL else [],
        )
        for name in EXPECTED
    ]


def strip_outputs(notebook: Any) -> Any:
    """Clear every code cell's outputs, execution count and execution timing metadata."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    return notebook


def test_the_notebooks_are_the_expected_five() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_a_committed_notebook_has_no_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        and (cell.outputs or cell.execution_count is not None or "execution" in cell.metadata)
    ]
    assert not dirty, (
        f"{name}: code cells {dirty} carry outputs or execution counts; strip them with "
        f"`.venv/bin/python tests/test_notebooks.py --strip notebooks/{name}`"
    )
    assert any(cell.cell_type == "markdown" for cell in notebook.cells), f"{name} has no prose"


def test_the_notebook_extra_brings_the_jupyter_lab_command() -> None:
    import subprocess

    jupyter = Path(sys.executable).parent / "jupyter"
    done = subprocess.run(
        [str(jupyter), "lab", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip().split(".")[0]) >= 4


@pytest.fixture(scope="session")
def kernel_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kernelspec that starts ipykernel with this very interpreter.

    The usual ``python3`` spec may resolve to another Python (a user-level
    kernelspec takes precedence); this one is found first through JUPYTER_PATH.
    """
    pytest.importorskip("ipykernel")
    root = tmp_path_factory.mktemp("jupyter")
    spec_dir = root / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "rxagents tests",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return root


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", _notebook_params())
def test_a_notebook_runs_top_to_bottom_in_a_fresh_kernel(
    name: str, kernel_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbclient = pytest.importorskip("nbclient")
    for variable in MODEL_ENVIRONMENT:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_path))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets ipykernel's debugger
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    # A last cell (in memory only) says which Python and which rxagents the kernel ran.
    notebook.cells.append(
        nbformat.v4.new_code_cell("import sys, rxagents\nprint(sys.executable, rxagents.__file__)")
    )
    client = nbclient.NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=120,  # per cell
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's working directory
    )
    client.execute()  # raises CellExecutionError (source + traceback) if a cell fails
    ran = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert ran and all(cell.execution_count is not None for cell in ran)
    errors = [o for cell in ran for o in cell.outputs if o.output_type == "error"]
    assert not errors
    (where,) = [o.text for o in ran[-1].outputs if o.output_type == "stream"]
    assert where.split() == [sys.executable, rxagents.__file__]
    # display_run's boxes, as saved in the executed notebook: the final state, not the
    # first frame (the updates of a cell's display arrive after the cell has ended).
    views = [
        o.data["text/html"]
        for cell in ran
        for o in cell.outputs
        if "rxagents-run" in o.get("data", {}).get("text/html", "")
    ]
    if name in USES_DISPLAY_RUN:
        assert views
    for view in views:
        assert "starting…" not in view and "<td>running</td>" not in view, view
        assert "tokens out" in view


def _main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] != "--strip":
        print("usage: python tests/test_notebooks.py --strip NOTEBOOK.ipynb ...", file=sys.stderr)
        return 2
    for name in argv[1:]:
        notebook = nbformat.read(name, as_version=4)
        nbformat.write(strip_outputs(notebook), name)
        print(f"stripped {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
