"""One error hierarchy: every user-facing problem says where it is and what to do."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from uatkit.model import SourceLocation

#: Exit code for input the user must fix (bad stories, bad config, bad workbooks).
EXIT_INPUT = 2
#: Exit code for a check that found something wrong (stale features, missing scenarios).
EXIT_CHECK = 1
#: Exit code for a bug in uatkit: the traceback goes to a log file, never to the terminal.
EXIT_INTERNAL = 3


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's input, located precisely."""

    location: SourceLocation
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class UatkitError(Exception):
    """Base of every error uatkit reports to a user instead of a traceback."""

    exit_code = EXIT_INPUT


class InputError(UatkitError):
    """The user's input has one or more problems; all of them are listed."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(UatkitError):
    """The `[tool.uatkit]` configuration is invalid."""
