"""The step library's phrases: one template a phrase, in English or Chinese, matched as pytest-bdd matches.

A template reads as the step does, with its values as fields:

    phrase('I select "{option}" in "{label}"')
    phrase('我在"{label}"中选择"{option}"')
    phrase("the table has {count:d} rows")

- `"{name}"`: a quoted value, in straight quotes or Chinese ones (“…”), holding no quote; it may be empty.
- `{name:d}`: a whole number (an int); `{name:w}`: a word of Latin letters (an HTTP method).
- Where a field touches a Chinese character, spaces around the value are allowed (`表格有 3 行`, `表格有3行`),
  and the Chinese comma and colon also accept their ASCII forms.
"""

from __future__ import annotations

import re
from typing import Any

from pytest_bdd import parsers

_FIELD = re.compile(r'"\{(?P<quoted>\w+)\}"|\{(?P<name>\w+):(?P<kind>[dw])\}')
_VALUE = {"d": r"-?\d+", "w": r"[A-Za-z]+"}
_PUNCTUATION = {"，": r"[，,]\s*", "：": r"[：:]"}


def _cjk(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def _literal(text: str) -> str:
    return "".join(_PUNCTUATION.get(char) or re.escape(char) for char in text)


def compile_template(template: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """Return the regular expression a template matches, and its fields' kinds (`q`, `d` or `w`)."""
    parts: list[str] = []
    kinds: dict[str, str] = {}
    end = 0
    for found in _FIELD.finditer(template):
        parts.append(_literal(template[end : found.start()]))
        name = found["quoted"] or found["name"]
        kinds[name] = found["kind"] or "q"
        value = f'["“](?P<{name}>[^"“”]*)["”]' if found["quoted"] else f"(?P<{name}>{_VALUE[found['kind']]})"
        before = template[found.start() - 1] if found.start() else ""
        after = template[found.end()] if found.end() < len(template) else ""
        space_before = r"\s*" if before and _cjk(before) else ""
        space_after = r"\s*" if after and _cjk(after) else ""
        parts.append(space_before + value + space_after)
        end = found.end()
    parts.append(_literal(template[end:]))
    return re.compile("".join(parts)), kinds


class phrase(parsers.StepParser):
    """A step parser from a template (named like pytest-bdd's `parsers.parse`): values as strings and ints."""

    def __init__(self, template: str) -> None:
        super().__init__(template)
        self.regex, self.kinds = compile_template(template)

    def parse_arguments(self, name: str) -> dict[str, Any] | None:
        """Return the step's values by field name, numbers as ints."""
        found = self.regex.fullmatch(name)
        if found is None:
            return None
        return {
            key: int(value) if self.kinds[key] == "d" else value for key, value in found.groupdict().items()
        }

    def is_matching(self, name: str) -> bool:
        """Say whether the step's text is this phrase."""
        return self.regex.fullmatch(name) is not None
