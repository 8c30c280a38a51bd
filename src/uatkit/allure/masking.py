"""Mask secrets in an Allure result before it is written: the one masking (`uatkit.secrets.mask`) applied to
every text a result carries — names, step names, parameters, messages, traces, descriptions, links.

Step text says secrets in words (`When I log in as "clara" with password "clara-secret"`); a value said so, or
given as a parameter with a secret-looking name (an Examples column `password`), is a known secret for the
whole result, so it is masked wherever else it shows (a fixture's repr in a step parameter, a message).
"""

from __future__ import annotations

from typing import Any

from uatkit.secrets import MASK, Secrets, is_secret_key, mask, said_secrets

# The parts of allure-python-commons' model2 objects (results, containers, fixtures, steps) that hold text,
# and those that hold more parts. Labels are uatkit's own identities (case, fingerprint, run) and stay.
_TEXTS = ("name", "fullName", "description", "descriptionHtml", "message", "trace", "url")
_PARTS = ("statusDetails", "steps", "attachments", "links", "befores", "afters")
#: A value said or given as a secret is masked everywhere from this length; a shorter one only where said.
KNOWN_MIN_LENGTH = 4


def mask_result(result: Any, rules: Secrets) -> None:
    """Mask, in place, every secret in an Allure result or container (allure_commons.model2 objects)."""
    # A value said once is masked everywhere else too; a short one ("PIN "12"") only where it was said.
    known = [value for value in _said(result, []) if len(value) >= KNOWN_MIN_LENGTH]
    _mask(result, rules.extended(known=known) if known else rules)


def _said(part: Any, found: list[str]) -> list[str]:
    name = getattr(part, "name", None)
    if isinstance(name, str):
        found += said_secrets(name)
    for parameter in getattr(part, "parameters", None) or ():
        if is_secret_key(str(parameter.name)) and parameter.value:
            found.append(_unquoted(str(parameter.value)))
    for attribute in _PARTS:
        for child in _children(part, attribute):
            _said(child, found)
    return found


def _mask(part: Any, rules: Secrets) -> None:
    for attribute in _TEXTS:
        value = getattr(part, attribute, None)
        if isinstance(value, str) and value:
            setattr(part, attribute, mask(value, rules))
    for parameter in getattr(part, "parameters", None) or ():
        if is_secret_key(str(parameter.name), rules):
            parameter.value = MASK
        elif isinstance(parameter.value, str):
            parameter.value = mask(parameter.value, rules)
    for attribute in _PARTS:
        for child in _children(part, attribute):
            _mask(child, rules)


def _children(part: Any, attribute: str) -> list[Any]:
    value = getattr(part, attribute, None)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _unquoted(value: str) -> str:
    """Return a parameter's value as given: allure-python shows a string parameter by its repr ('x')."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
