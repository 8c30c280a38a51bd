"""What other tools' result files say, read into one shape: a test, its outcome and what may link it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from uatkit.errors import InputError, Problem
from uatkit.model import SourceLocation


class Format(StrEnum):
    """The result formats `uatkit evidence import --from` reads."""

    JUNIT = "junit"
    CUCUMBER = "cucumber"
    ALLURE = "allure"


#: Allure's statuses, the vocabulary every format's outcome is turned into.
PASSED, FAILED, BROKEN, SKIPPED, UNKNOWN = "passed", "failed", "broken", "skipped", "unknown"


@dataclass(frozen=True)
class Attachment:
    """A file a foreign result points at: its name in the report and its content."""

    name: str
    content: bytes
    mime: str = ""
    extension: str = "txt"


@dataclass(frozen=True)
class Step:
    """A step of a foreign result (Cucumber step or Allure step), kept for the report."""

    name: str
    status: str
    message: str = ""
    start: int | None = None
    stop: int | None = None
    steps: tuple[Step, ...] = ()
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class ExternalTest:
    """One test as another tool reported it: what it is called, how it ended, what may link it to a case."""

    #: The file it was read from and, for JSON, the test's index; for messages and provenance.
    file: str
    suite: str
    classname: str
    name: str
    status: str
    message: str = ""
    trace: str = ""
    #: Milliseconds since the epoch, when the file says.
    start: int | None = None
    stop: int | None = None
    #: Tags as written (`@REQ-101`, `case:REQ-101.AC-2`, `smoke`), and name/value properties.
    tags: tuple[str, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()
    #: The step texts it ran (Cucumber), which pick an outline's example row and tell a changed scenario.
    step_texts: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()
    links: tuple[tuple[str, str, str], ...] = ()
    attachments: tuple[Attachment, ...] = ()
    output: str = ""
    #: The n-th test of the same suite, class and name in its file (Playwright runs a test once a project).
    occurrence: int = 0

    @property
    def full_name(self) -> str:
        """Return the name the tool knows the test by: class (or feature) and name."""
        return f"{self.classname}.{self.name}" if self.classname else self.name

    @property
    def identity(self) -> str:
        """Return what tells this test from the file's others, stable across runs of the same tests."""
        base = f"{self.suite}\0{self.classname}\0{self.name}"
        return f"{base}\0{self.occurrence}" if self.occurrence else base


@dataclass(frozen=True)
class SourceFile:
    """One file read: where, its SHA-256, which tool's dialect of the format, the times it records."""

    path: Path
    sha256: str
    flavour: str
    tests: int
    started: int | None = None
    stopped: int | None = None


@dataclass(frozen=True)
class ReadFiles:
    """What the input files held: their tests, in file order, and the files themselves."""

    format: Format
    tests: tuple[ExternalTest, ...]
    files: tuple[SourceFile, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)


def digest(data: bytes) -> str:
    """Return a file's SHA-256 as uatkit writes it (`sha256:…`)."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def refused(path: Path | str, message: str, hint: str, line: int | None = None) -> InputError:
    """Return the one located error a file that cannot be read as its format gives."""
    return InputError([Problem(SourceLocation(str(path), line), message, hint)])


def worst(statuses: list[str]) -> str:
    """Return the worst of some statuses (failed, broken, unknown, skipped, passed); passed for none."""
    for status in (FAILED, BROKEN, UNKNOWN, SKIPPED):
        if status in statuses:
            return status
    return PASSED
