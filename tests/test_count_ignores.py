"""`make lint`'s `# type: ignore` count (tools/count_ignores.py): at most 5 in the packages,
each naming its error code and saying why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools.count_ignores import find_ignores, main

REPO = Path(__file__).resolve().parents[1]
Out = pytest.CaptureFixture[str]
GOOD = "x: int = f()  # type: ignore[assignment]  # f's stub returns object\n"


def _package(tmp_path: Path, *lines: str) -> Path:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "mod.py").write_text("".join(lines), encoding="utf-8")
    return package


def test_ignores_with_codes_and_reasons_pass(tmp_path: Path, capsys: Out) -> None:
    package = _package(tmp_path, GOOD, "import y  # type: ignore[import-untyped]  # no stubs\n")
    assert main([str(package)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# type: ignore: 2 (at most 5")
    assert f"{package / 'mod.py'}:1: {GOOD.strip()}" in out
    assert f"{package / 'mod.py'}:2: import y" in out


def test_an_ignore_without_a_reason_fails(tmp_path: Path, capsys: Out) -> None:
    package = _package(tmp_path, GOOD, "y = g()  # type: ignore[arg-type]\n")
    assert main([str(package)]) == 1
    out = capsys.readouterr().out
    assert f"{package / 'mod.py'}:2: y = g()" in out
    assert "no reason" in out
    assert out.count("^ ") == 1   # only the second line is named


def test_an_ignore_without_an_error_code_fails(tmp_path: Path, capsys: Out) -> None:
    package = _package(tmp_path, "y = g()  # type: ignore  # g is odd\n")
    assert main([str(package)]) == 1
    assert "no error code" in capsys.readouterr().out


def test_more_than_the_limit_fails(tmp_path: Path, capsys: Out) -> None:
    package = _package(tmp_path, *[GOOD] * 6)
    assert main([str(package)]) == 1
    assert "# type: ignore: 6" in capsys.readouterr().out
    assert main([str(package), "--max", "6"]) == 0


def test_only_comments_mypy_reads_count() -> None:
    source = ('text = "# type: ignore[arg-type]  # in a string"\n'
              '"""a docstring: # type: ignore"""\n'
              "y = 1  # noqa: E501  # type: ignore[misc]\n"   # mypy reads only a leading one
              "z = 2  #type:ignore[misc] # tight spacing still counts\n")
    found = list(find_ignores(source, Path("m.py")))
    assert [(i.line, i.codes, i.reason) for i in found] == [
        (4, "[misc]", "tight spacing still counts")]


def test_a_missing_package_is_named(tmp_path: Path, capsys: Out) -> None:
    assert main([str(tmp_path / "nope")]) == 2
    assert "nope" in capsys.readouterr().err


def test_runs_as_a_module_from_the_repository_root(tmp_path: Path) -> None:
    package = _package(tmp_path, "y = g()  # type: ignore[arg-type]\n")
    done = subprocess.run([sys.executable, "-m", "tools.count_ignores", str(package)],
                          cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "# type: ignore: 1 (at most 5" in done.stdout
