"""Check a `[tool.uatkit]` table against its msgspec declaration key by key, and find where keys are written.

msgspec converts each value to its declared type; this module walks the tables so that every unknown key
and bad value is found at once (msgspec stops at the first), says in words what a key allows, and finds
the line of each key in the TOML text (the standard TOML parser gives values without lines).
"""

from __future__ import annotations

import difflib
import enum
import functools
import json
import re
import typing
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import MISSING, dataclass
from dataclasses import fields as dataclass_fields
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

# TOML lets a one-item list be written as its item (`stories = "stories"`); the schema says so too.
STRING_OR_LIST: list[dict[str, Any]] = [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
ONE_OR_LIST = Meta(
    extra_json_schema={"anyOf": STRING_OR_LIST}, extra={"allowed": "a string or a list of strings"}
)
Strings = Annotated[tuple[str, ...], ONE_OR_LIST]


Key = tuple[str | int, ...]
#: Checks and defaults a key has beyond its type, run on its converted value; they raise Refused.
After = Mapping[Key, Callable[[Any], Any]]


@dataclass(frozen=True)
class Found:
    """A problem with a key before its line is known."""

    key: Key
    message: str
    hint: str = ""


class Refused(Exception):
    """A value has the right type but is still wrong (an unknown codec, a bad regular expression)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


_BAD = object()
#: How messages name the table being checked: `[tool.uatkit]`, or "" for a TOML file of its own.
_ROOT: ContextVar[str] = ContextVar("uatkit_table_root", default="[tool.uatkit]")


def check_table(
    kind: type, data: Any, after: After, root: str = "[tool.uatkit]"
) -> tuple[dict[str, Any] | None, list[Found]]:
    """Return a table's values converted to their declared types, and every problem found on the way.

    `root` is how messages name the table: `[tool.uatkit]`, or "" for a file of its own (a mapping).
    """
    found: list[Found] = []
    token = _ROOT.set(root)
    try:
        values = _table(kind, data, (), found, after)
    finally:
        _ROOT.reset(token)
    return values, found


@functools.cache
def _fields(kind: type) -> dict[str, tuple[Any, bool]]:
    """Return a table's keys: each one's declared type and whether it is required."""
    if issubclass(kind, msgspec.Struct):
        return {f.name: (f.type, f.required) for f in msgspec.structs.fields(kind)}
    hints = typing.get_type_hints(kind, include_extras=True)
    return {
        f.name: (hints[f.name], f.default is MISSING and f.default_factory is MISSING)
        for f in dataclass_fields(kind)  # type: ignore[arg-type]  # a dataclass: _is_table says so
    }


def _is_table(kind: Any) -> bool:
    return isinstance(kind, type) and (
        issubclass(kind, msgspec.Struct) or hasattr(kind, "__dataclass_fields__")
    )


def _table(kind: type, data: Any, key: Key, found: list[Found], after: After) -> dict[str, Any] | None:
    """Return a table's checked values by key, noting every problem in `found`."""
    if not isinstance(data, dict):
        found.append(Found(key, f"{where(key)} must be a table, got {data!r}"))
        return None
    known = _fields(kind)
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in known:
            found.append(_unknown(key, name, list(known)))
            continue
        checked = _value(known[name][0], value, (*key, name), found, after)
        if checked is not _BAD:
            values[name] = checked
    for name, (_, required) in known.items():
        if required and name not in data:
            declared = known[name][0]
            found.append(Found(key, f"{where((*key, name))} is missing; it must be {_allowed(declared)}"))
    return values


def _value(declared: Any, value: Any, key: Key, found: list[Found], after: After) -> Any:
    """Return a value converted to its declared type, or _BAD after noting why it cannot be."""
    kind, metas = _unwrap(declared)
    args = typing.get_args(kind)
    if _is_table(kind):
        before = len(found)
        values = _table(kind, value, key, found, after)
        return _BAD if values is None or len(found) > before else _checked(key, kind(**values), found, after)
    if typing.get_origin(kind) is tuple and _is_table(_unwrap(args[0])[0]):
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            found.append(Found(key, f"{where(key)} must be {_allowed(declared)}, got {value!r}"))
            return _BAD
        items = [_value(args[0], item, (*key, n), found, after) for n, item in enumerate(value, 1)]
        return _BAD if _BAD in items else _checked(key, tuple(items), found, after)
    if typing.get_origin(kind) is dict:
        if not isinstance(value, dict):
            found.append(Found(key, f"{where(key)} must be {_allowed(declared)}, got {value!r}"))
            return _BAD
        names = next((m.extra["keys"] for m in metas if m.extra and "keys" in m.extra), None)
        entries = {}
        for name, item in value.items():
            if names is not None and name not in names:
                found.append(_unknown(key, name, list(names)))
                entries[name] = _BAD
            else:
                entries[name] = _value(args[1], item, (*key, name), found, after)
        return _BAD if _BAD in entries.values() else _checked(key, entries, found, after)
    try:
        return _checked(key, _leaf(declared, value, key), found, after)
    except Refused as exc:
        found.append(Found(key, exc.message, exc.hint))
        return _BAD


def _checked(key: Key, value: Any, found: list[Found], after: After) -> Any:
    step = after.get(key)
    try:
        return step(value) if step is not None else value
    except Refused as exc:
        found.append(Found(key, exc.message, exc.hint))
        return _BAD


def _leaf(declared: Any, value: Any, key: Key) -> Any:
    """Return a plain value converted to its declared type, or raise Refused saying what is allowed."""
    kind, metas = _unwrap(declared)
    if ONE_OR_LIST in metas and isinstance(value, str):
        value = [value]
    value = _folded(kind, value)
    try:
        return msgspec.convert(value, declared)
    except msgspec.ValidationError:
        pass
    # A word that is not one of the choices is named alone, also inside a list (`priorities = ["urgent"]`).
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        choices = _choices(_unwrap(item)[0])
        bad = [v for v in value if isinstance(v, str) and _fails(v, item)] if isinstance(value, list) else []
        if choices and bad:
            raise Refused(f"{where(key)} = {bad[0]!r} is not one of {choices}")
    elif (choices := _choices(kind)) and isinstance(value, str):
        raise Refused(f"{where(key)} = {value!r} is not one of {choices}")
    raise Refused(f"{where(key)} must be {_allowed(declared)}, got {value!r}")


def _fails(value: Any, declared: Any) -> bool:
    try:
        msgspec.convert(value, declared)
    except msgspec.ValidationError:
        return True
    return False


def _folded(kind: Any, value: Any) -> Any:
    """Return a value lower-cased where the choices are lower-case words (priorities, levels)."""
    if typing.get_origin(kind) is tuple and isinstance(value, list):
        return [_folded(_unwrap(typing.get_args(kind)[0])[0], v) for v in value]
    lower = isinstance(kind, type) and issubclass(kind, enum.Enum) and all(m.value.islower() for m in kind)
    return value.strip().lower() if lower and isinstance(value, str) else value


def _unwrap(declared: Any) -> tuple[Any, list[Meta]]:
    if typing.get_origin(declared) is Annotated:
        kind, *extras = typing.get_args(declared)
        return kind, [m for m in extras if isinstance(m, Meta)]
    return declared, []


def _choices(kind: Any) -> str:
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return " | ".join(str(m.value) for m in kind)
    if typing.get_origin(kind) is Literal:
        return ", ".join(map(str, typing.get_args(kind)))
    return ""


def _allowed(declared: Any) -> str:
    """Return in words what a declared type allows."""
    kind, metas = _unwrap(declared)
    for meta in metas:
        if meta.extra and "allowed" in meta.extra:
            return str(meta.extra["allowed"])
    low = next((m.ge for m in metas if m.ge is not None), None)
    high = next((m.le for m in metas if m.le is not None), None)
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if kind is bool:
        return "true or false"
    if kind is int:
        return "a whole number" + (f" of {low} or more" if low is not None else "")
    if kind is float:
        return f"a number from {low:g} to {high:g}" if low is not None and high is not None else "a number"
    if kind is str or args == [str]:
        return "a string"
    if choices := _choices(kind):
        return f"one of {choices}"
    if typing.get_origin(kind) is tuple:
        item = _unwrap(args[0])[0]
        if item is str:
            return "a list of strings"
        return f"a list of {_choices(item)}" if _choices(item) else "a list of tables"
    if typing.get_origin(kind) is dict:
        return f"a table of name = {_allowed(args[1])}"
    return "a table"


def where(key: Key) -> str:
    """Return a key as a user finds it: `[tool.uatkit] jira.encoding`, `... signoff.gates[2]: rule`."""
    text = ""
    for part in key:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        name = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else json.dumps(part, ensure_ascii=False)
        text += f": {name}" if text.endswith("]") else f".{name}" if text else name
    root = _ROOT.get()
    if not root:
        return text or "the file's top level"
    return f"{root} {text}" if text else root


def _unknown(table: Key, name: Any, known: list[str]) -> Found:
    close = difflib.get_close_matches(str(name), known, n=1)
    guess = f"; did you mean {close[0]}?" if close else ""
    return Found(
        (*table, str(name)),
        f"{where(table)}: unknown key(s) {name}{guess}",
        f"known keys: {', '.join(known)}",
    )


# --- where a key is written --------------------------------------------------------------------------------

_HEADER = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?")
_KEY = re.compile(
    r"""\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _dotted(text: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', text)]


def key_lines(text: str, under: tuple[str, ...] = ("tool", "uatkit")) -> dict[Key, int]:
    """Return the line of each key and table under `under` ([tool.uatkit]; () for the whole file)."""
    lines: dict[Key, int] = {}
    table: list[str | int] = []
    counts: dict[tuple[str, ...], int] = {}
    in_string = False
    for number, line in enumerate(text.splitlines(), 1):
        # Lines inside a multi-line string are text, not keys.
        inside = in_string
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_string = not in_string
        if inside:
            continue
        if header := _HEADER.fullmatch(line):
            names = tuple(_dotted(header.group(2)))
            table = list(names)
            if header.group(1) == "[[":
                counts[names] = counts.get(names, 0) + 1
                table.append(counts[names])
            path = tuple(table)
        elif key := _KEY.match(line):
            path = (*table, *_dotted(key.group(1)))
        else:
            continue
        if path[: len(under)] == under:
            lines.setdefault(path[len(under) :], number)
    return lines


def line_of(key: Key, lines: dict[Key, int]) -> int | None:
    """Return the line of a key, else of the nearest table holding it (inline tables, dotted keys)."""
    for end in range(len(key), -1, -1):
        if key[:end] in lines:
            return lines[key[:end]]
    return None
