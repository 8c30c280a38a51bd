"""The step grammar: typed fields for `parse` step texts ({name:Text}, {total:Money}, {lines:Lines}, …).

Quoted values never contain a double quote, so no field runs past its closing quote; order lines read
`3 "Widget"` or `2 "Widget" and 1 "Gadget"` (in Chinese `3 件 "Widget"`).

A Scenario Outline's steps are matched with each Examples row filled in, by pytest-bdd when it runs them and
by `uatkit check` when it looks for definitions, so the typed fields only ever see real values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from parse import with_pattern  # type: ignore[import-untyped]
from pytest_bdd import parsers

from fixtures.drivers.base import Role

_QUANTITY = r"-?\d+"
_LINE = r'(?:{quantity}) "[^"]+"'


def _lines(value: str) -> list[tuple[str, int]]:
    return [(product, int(quantity)) for quantity, product in re.findall(r'(-?\d+) (?:件 )?"([^"]+)"', value)]


_ROLES_ZH = {"店员": Role.CLERK, "经理": Role.MANAGER}

# type name -> (pattern of a value, conversion); patterns must not capture (parse counts groups)
_FIELDS: dict[str, tuple[str, Callable[[str], object]]] = {
    "Text": (r'[^"]*', str),
    "Word": (r"[A-Za-z]+", str),
    "Int": (_QUANTITY, int),
    "Money": (r"-?\d+\.\d{2}", Decimal),
    "Date": (r"\d{4}-\d{2}-\d{2}", date.fromisoformat),
    "Lines": (f"{_LINE}(?: and {_LINE})*", _lines),
    "LineZh": (r'(?:{quantity}) 件 "[^"]+"', _lines),
    "Role": (r"clerk|manager", Role),
    "RoleZh": (r"店员|经理", _ROLES_ZH.__getitem__),
    "Part": (r"subtotal|discount|tax|total", str),
    "Verdict": (r"包含|不包含", lambda value: value == "包含"),
    "orders": (r"orders?", str),
    "lines": (r"lines?", str),
}


def _types() -> dict[str, Callable[[str], object]]:
    types: dict[str, Callable[[str], object]] = {}
    for name, (pattern, convert) in _FIELDS.items():
        value = pattern.replace("{quantity}", _QUANTITY)
        types[name] = with_pattern(value)(lambda text, convert=convert: convert(text))
    return types


TYPES = _types()


class step(parsers.parse):
    """A `parse` step parser with the grammar's types."""

    def __init__(self, text: str) -> None:
        super().__init__(text, extra_types=TYPES)
