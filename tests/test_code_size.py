"""Small modules and small functions, everywhere: no .py file over 400 lines, no function over
60 (from its `def` line to its last line; decorators not counted)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# Not our code (.venv, build output) or generated text (the demo's article content).
SKIP = {(".venv",), ("build",), ("dist",), ("demo", "content")}


def python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if any(parts[:len(skip)] == skip for skip in SKIP):
            continue
        if any(p.startswith(".") or p == "__pycache__" for p in parts[:-1]):
            continue   # .git, caches
        yield path


def oversized(path: Path, root: Path) -> list[str]:
    """`file: N lines` and `file:line function(): N lines` for each limit this file breaks."""
    text = path.read_text("utf-8")
    name = path.relative_to(root).as_posix()
    found = []
    lines = len(text.splitlines())
    if lines > MAX_MODULE_LINES:
        found.append(f"{name}: {lines} lines (limit {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(text, filename=name)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{name}:{node.lineno} {node.name}(): {length} lines "
                             f"(limit {MAX_FUNCTION_LINES})")
    return found


def test_no_module_or_function_is_too_long() -> None:
    files = list(python_files(REPO))
    names = {p.relative_to(REPO).as_posix() for p in files}
    assert {"cli/app.py", "tests/test_code_size.py", "bench/__init__.py",
            "eval/__init__.py"} <= names, "the walk missed part of the repository"
    assert not any(n.startswith(("demo/content/", ".venv/")) for n in names)
    problems = [problem for path in files for problem in oversized(path, REPO)]
    assert not problems, ("split these (modules <= 400 lines, functions <= 60):\n"
                          + "\n".join(problems))


def test_the_check_finds_a_long_function_and_a_long_module(tmp_path: Path) -> None:
    body = "".join(f"    x{n} = {n}\n" for n in range(60))
    (tmp_path / "long.py").write_text(f"def short():\n    pass\n\n\nasync def long():\n{body}",
                                      "utf-8")
    (tmp_path / "big.py").write_text("x = 1\n" * 401, "utf-8")
    (tmp_path / "content").mkdir()
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "big.py").write_text("x = 1\n" * 401, "utf-8")
    assert [p.name for p in python_files(tmp_path)] == ["big.py", "long.py"]
    assert oversized(tmp_path / "long.py", tmp_path) == ["long.py:5 long(): 61 lines (limit 60)"]
    assert oversized(tmp_path / "big.py", tmp_path) == ["big.py: 401 lines (limit 400)"]
