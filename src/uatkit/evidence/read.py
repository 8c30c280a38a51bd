"""Find the files an import names (files, or folders of them) and read each with its format's reader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from uatkit.errors import InputError, Problem
from uatkit.evidence.cucumber import read_cucumber
from uatkit.evidence.foreign import read_allure
from uatkit.evidence.junit import read_junit
from uatkit.evidence.model import ExternalTest, Format, ReadFiles, SourceFile
from uatkit.model import SourceLocation

#: The largest result file read: reports of whole test suites are a few MB.
MAX_BYTES = 200_000_000


def input_files(paths: Sequence[Path], fmt: Format) -> list[Path]:
    """Return the files to read: each file given, and a folder's reports of the format, sorted."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            found = _in_folder(path, fmt)
            if not found:
                problems.append(
                    Problem(SourceLocation(str(path)), f"the folder holds no {_WHAT[fmt]}", "name the files")
                )
            files += found
        else:
            problems.append(Problem(SourceLocation(str(path)), "no such file or folder", "check the path"))
    if problems:
        raise InputError(problems)
    return list(dict.fromkeys(files))


_WHAT = {
    Format.JUNIT: "JUnit XML report (*.xml)",
    Format.CUCUMBER: "Cucumber JSON report (*.json)",
    Format.ALLURE: "Allure result (*-result.json)",
}


def _in_folder(folder: Path, fmt: Format) -> list[Path]:
    if fmt is Format.ALLURE:
        return sorted(folder.glob("*-result.json"))
    if fmt is Format.CUCUMBER:
        return sorted(p for p in folder.rglob("*.json") if p.is_file())
    # Maven writes TEST-*.xml beside summaries of other shapes (failsafe-summary.xml): read only the reports.
    reports = sorted(p for p in folder.rglob("TEST-*.xml") if p.is_file())
    return reports or sorted(p for p in folder.rglob("*.xml") if p.is_file())


def read_files(files: Sequence[Path], fmt: Format) -> ReadFiles:
    """Read every file; any that is not a report of the format makes one InputError listing them all."""
    tests: list[ExternalTest] = []
    sources: list[SourceFile] = []
    problems: list[Problem] = []
    warnings: list[str] = []
    for path in files:
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise InputError(
                    [Problem(SourceLocation(str(path)), f"{size:,} bytes is more than a report holds", "")]
                )
            data = path.read_bytes()
            if fmt is Format.JUNIT:
                found, source = read_junit(path, data)
            elif fmt is Format.CUCUMBER:
                found, source = read_cucumber(path, data)
            else:
                found, source = read_allure(path, data, warnings)
        except InputError as exc:
            problems += exc.problems
            continue
        except OSError as exc:
            problems.append(Problem(SourceLocation(str(path)), f"cannot be read: {exc.strerror}", ""))
            continue
        seen: dict[str, int] = {}
        for test in found:
            n = seen[test.identity] = seen.get(test.identity, -1) + 1
            tests.append(replace(test, occurrence=n) if n else test)
        sources.append(source)
    if problems:
        raise InputError(problems)
    return ReadFiles(fmt, tuple(tests), tuple(sources), tuple(warnings))
