"""Check the size limits: no function over 100 lines, no file over 450, in rxagents/.

    python3 tools/sizes.py                 # report every function and file over a limit
    python3 tools/sizes.py --strict PKG/ GLOB...  # also fail (exit 1) on those it covers

``dev.py lint`` runs it with ``--strict`` for the packages already within the limits;
the others are reported until they are split. A function's length is from its ``def``
(decorators included) to its last line; a nested function counts inside its parent
and on its own.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
MAX_FUNCTION = 100
MAX_FILE = 450


@dataclass(frozen=True)
class Excess:
    """One function or file over its limit."""

    path: str
    what: str
    lines: int
    limit: int

    def __str__(self) -> str:
        return f"{self.path}: {self.what} has {self.lines} lines (limit {self.limit})"


def excesses(package: Path, root: Path) -> list[Excess]:
    """Every function and file under ``package`` over its limit, longest first."""
    found: list[Excess] = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        text = path.read_text()
        lines = len(text.splitlines())
        if lines > MAX_FILE:
            found.append(Excess(rel, "the file", lines, MAX_FILE))
        for node in ast.walk(ast.parse(text, rel)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - first + 1
                if length > MAX_FUNCTION:
                    found.append(
                        Excess(rel, f"{node.name}() (line {node.lineno})", length, MAX_FUNCTION)
                    )
    return sorted(found, key=lambda e: -e.lines)


def longest_function(package: Path) -> tuple[int, str]:
    """The longest function under ``package``: (lines, where)."""
    best = (0, "")
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                length = (node.end_lineno or node.lineno) - first + 1
                best = max(best, (length, f"{path.relative_to(package.parent)}:{node.name}"))
    return best


def _covers(pattern: str, path: str) -> bool:
    """``pkg/`` covers everything under it; anything else is a glob (``rxagents/*.py``)."""
    if pattern.endswith("/"):
        return path.startswith(pattern)
    return PurePosixPath(path).match(pattern) and path.count("/") == pattern.count("/")


def main(argv: list[str]) -> int:
    strict = argv[argv.index("--strict") + 1 :] if "--strict" in argv else []
    found = excesses(ROOT / "rxagents", ROOT)
    failing = [e for e in found if any(_covers(p, e.path) for p in strict)]
    lines, where = longest_function(ROOT / "rxagents")
    print(
        f"size limits: {len(found)} over (functions > {MAX_FUNCTION} lines, files > "
        f"{MAX_FILE}); longest function {lines} lines ({where})"
    )
    for excess in found:
        print(f"  {'FAIL' if excess in failing else 'todo'} {excess}")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
