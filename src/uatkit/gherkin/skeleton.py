"""Step definitions to start from, for steps no definition matches: pytest-bdd code, ready to paste.

Quoted values become `"{name}"` fields (str), whole numbers `{name:d}` (int), decimals `{name:f}` (float),
ISO dates `{date}` (str); a name comes from the word before a quoted value ("a customer "ACME"" → customer)
or after a number ("3 rows" → rows), else text / number / amount. Steps that differ only in their values
share one definition; one pattern used as Given and When gets both decorators.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

KINDS = ("given", "when", "then")

_TOKEN = re.compile(
    r'(?P<quoted>"[^"]*"|“[^”]*”)'
    r"|(?P<date>(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-]))"
    r"|(?P<number>(?<![A-Za-z0-9_.\-])-?\d+(?:\.\d+)?(?![A-Za-z0-9_.]))"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_DETERMINERS = {
    "a",
    "an",
    "the",
    "this",
    "that",
    "my",
    "our",
    "their",
    "its",
    "his",
    "her",
    "each",
    "every",
    "no",
}
_STOP = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "with",
    "in",
    "into",
    "to",
    "of",
    "for",
    "on",
    "at",
    "by",
    "from",
    "is",
}
_STOP |= {"are", "as", "be", "was", "were", "then", "than", "per", "i"}
#: Names a step argument must not take: pytest-bdd's own (docstring, datatable) and pytest's fixtures.
_RESERVED = {"docstring", "datatable", "request", "pytestconfig", "cache", "capsys", "caplog", "monkeypatch"}
_RESERVED |= {"tmp_path", "tmpdir", "recwarn", "record_property", "self", "cls"}


@dataclass(frozen=True)
class StepText:
    """A step as pytest-bdd sees it: its kind (given, when, then), its text, where it is first used."""

    kind: str
    text: str
    where: str = ""
    docstring: bool = False
    datatable: bool = False


@dataclass
class _Definition:
    pattern: str
    params: list[tuple[str, str]]
    kinds: list[str] = field(default_factory=list)
    examples: list[StepText] = field(default_factory=list)


def _name(word: str, fallback: str) -> str:
    word = word.lower()
    if not word.isidentifier() or not word.isascii():
        return fallback
    return f"{word}_value" if keyword.iskeyword(word) or word in _RESERVED else word


def _words_before(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[^\s\"“”]+", text)]


def _quoted_name(before: str) -> str:
    words = _words_before(before)
    if words and words[-1] in ("named", "called"):
        words = words[:-1]
    if len(words) >= 2 and words[-2] in _DETERMINERS and _WORD.fullmatch(words[-1]):
        return _name(words[-1], "text")
    return "text"


def _number_name(after: str, fallback: str) -> str:
    found = _WORD.match(after.lstrip()) if after[:1] == " " else None
    if found and found[0].lower() not in _STOP:
        return _name(found[0], fallback)
    return fallback


def pattern_of(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Return a step text's parse pattern and its fields as (name, Python type)."""
    parts: list[str] = []
    params: list[tuple[str, str]] = []
    taken: set[str] = set()

    def unique(name: str) -> str:
        candidate, n = name, 2
        while candidate in taken:
            candidate, n = f"{name}_{n}", n + 1
        taken.add(candidate)
        return candidate

    end = 0
    for token in _TOKEN.finditer(text):
        parts.append(text[end : token.start()].replace("{", "{{").replace("}", "}}"))
        if token["quoted"]:
            name = unique(_quoted_name(text[: token.start()]))
            parts.append(f"{token['quoted'][0]}{{{name}}}{token['quoted'][-1]}")
            params.append((name, "str"))
        elif token["date"]:
            name = unique("date")
            parts.append(f"{{{name}}}")
            params.append((name, "str"))
        else:
            decimal = "." in token["number"]
            name = unique(_number_name(text[token.end() :], "amount" if decimal else "number"))
            parts.append(f"{{{name}:{'f' if decimal else 'd'}}}")
            params.append((name, "float" if decimal else "int"))
        end = token.end()
    parts.append(text[end:].replace("{", "{{").replace("}", "}}"))
    return "".join(parts), params


def _function_name(pattern: str, kinds: Sequence[str], taken: set[str]) -> str:
    literal = re.sub(r"\{[^{}]*\}", " ", pattern.replace("{{", "").replace("}}", ""))
    words = [w.lower() for w in _WORD.findall(literal) if w.lower() not in ("i", "a", "an", "the")]
    base = "_".join(words[:6]) or f"{kinds[0]}_step"
    if keyword.iskeyword(base) or not base.isidentifier():
        base = f"{base}_step"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _docstring(text: str) -> str:
    return '"""' + text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') + '."""'


def group(steps: Sequence[StepText]) -> list[_Definition]:
    """Return one definition a pattern (steps differing only in their values share it), in first-use order."""
    definitions: dict[str, _Definition] = {}
    for step in steps:
        pattern, params = pattern_of(step.text)
        if step.docstring:
            params.append(("docstring", "str"))
        if step.datatable:
            params.append(("datatable", "list[list[str]]"))
        key = re.sub(r"\{\w+(:\w)?\}", r"{\1}", pattern) + f"|{step.docstring}|{step.datatable}"
        definition = definitions.setdefault(key, _Definition(pattern, params))
        if step.kind not in definition.kinds:
            definition.kinds.append(step.kind)
        definition.examples.append(step)
    return list(definitions.values())


def skeleton(steps: Sequence[StepText]) -> str:
    """Return Python source defining every step once, each body raising NotImplementedError; '' for none."""
    definitions = group(steps)
    if not definitions:
        return ""
    used = sorted({kind for d in definitions for kind in d.kinds})
    lines = [
        "# Step definitions for the steps no definition matched (uatkit check --skeleton): write each body.",
        f"from pytest_bdd import {', '.join(sorted([*used, 'parsers']))}",
    ]
    taken: set[str] = set()
    for definition in definitions:
        kinds = sorted(definition.kinds, key=KINDS.index)
        lines += ["", ""]
        lines += [f"@{kind}(parsers.parse({definition.pattern!r}))" for kind in kinds]
        signature = ", ".join(f"{name}: {kind}" for name, kind in definition.params)
        lines.append(f"def {_function_name(definition.pattern, kinds, taken)}({signature}) -> None:")
        first = definition.examples[0]
        where = f" ({first.where})" if first.where else ""
        lines.append(f"    {_docstring(f'{first.kind.capitalize()} {first.text}{where}')}")
        step = f"{kinds[0].capitalize()} {definition.pattern}"
        lines.append(f"    raise NotImplementedError({f'step not written yet: {step}'!r})")
    return "\n".join(lines) + "\n"
