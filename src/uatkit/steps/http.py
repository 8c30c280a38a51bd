"""HTTP API steps: send a request, check its status, headers, JSON fields and time, in English and Chinese.

When I send a GET request to "/api/orders"
When I send a POST request to "/api/customers" with:
  \"\"\"
  {"name": "ACME Ltd"}
  \"\"\"
Then the response status is 201
And the response header "Content-Type" contains "json"
And the response field "name" is "ACME Ltd"
And the response field "data.items" has 3 items
And the response field "data.items[0].name" contains "ACME"
And the response contains "ACME"
And the response arrives within 500 ms

A JSON path names keys with dots and list items with [n] (from 0; [-1] is the last):
`data.items[0].name`; `lines.0.quantity` also reads item 0. docs/steps.md lists every phrase.
"""

from __future__ import annotations

import json
import re
from typing import Any

from uatkit.extras import require

require("requests", "uatkit.steps.http (the HTTP API steps)")

import pytest  # noqa: E402
import requests  # noqa: E402
from pytest_bdd import parsers, then, when  # noqa: E402

from uatkit.pytest_plugin.http import ApiSession  # noqa: E402
from uatkit.steps.phrases import phrase  # noqa: E402


@when(parsers.parse('I send a {method:w} request to "{path}" with:'), target_fixture="http_response")
@when(phrase('我向"{path}"发送{method:w}请求，内容为：'), target_fixture="http_response")
def send_with_body(api: ApiSession, method: str, path: str, docstring: str) -> requests.Response:
    """Send a request with the step's doc string as its JSON body."""
    return api.request(method.upper(), path, json=json.loads(docstring))


@when(parsers.parse('I send a {method:w} request to "{path}"'), target_fixture="http_response")
@when(phrase('我向"{path}"发送{method:w}请求'), target_fixture="http_response")
def send(api: ApiSession, method: str, path: str) -> requests.Response:
    """Send a request without a body."""
    return api.request(method.upper(), path)


@then(parsers.parse("the response status is {status:d}"))
@then(phrase("响应状态码是{status:d}"))
def response_status(http_response: requests.Response, status: int) -> None:
    """Check the status code."""
    assert http_response.status_code == status, (
        f"expected HTTP {status}, got {http_response.status_code}: {http_response.text[:300]}"
    )


def _header(response: requests.Response, name: str) -> str:
    value = response.headers.get(name)
    if value is None:
        pytest.fail(
            f"the response has no header {name!r} (it has: {', '.join(response.headers)})", pytrace=False
        )
    return value


@then(phrase('the response header "{name}" is "{value}"'))
@then(phrase('响应头"{name}"是"{value}"'))
def header_is(http_response: requests.Response, name: str, value: str) -> None:
    """Check a header's whole value (its name in any case)."""
    found = _header(http_response, name)
    assert found == value, f"header {name} is {found!r}, expected {value!r}"


@then(phrase('the response header "{name}" contains "{value}"'))
@then(phrase('响应头"{name}"包含"{value}"'))
def header_contains(http_response: requests.Response, name: str, value: str) -> None:
    """Check that a header's value holds a text."""
    found = _header(http_response, name)
    assert value in found, f"header {name} is {found!r}, which does not contain {value!r}"


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        pytest.fail(f"the response is not JSON: {response.text[:300]!r}", pytrace=False)


def _shown(value: Any) -> str:
    """Return a JSON value as a step writes it: strings bare, everything else as JSON (true, null, 2.5)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@then(parsers.parse('the response field "{field}" is "{value}"'))
@then(phrase('响应字段"{field}"是"{value}"'))
def response_field(http_response: requests.Response, field: str, value: str) -> None:
    """Check a JSON field's value, named by a JSON path ("user.role", "data.items[0].name")."""
    found = json_field(_json(http_response), field)
    # str() keeps the phrase's first meaning ("True"); the JSON form reads as the response does ("true").
    assert value in (_shown(found), str(found)), f"{field} is {_shown(found)}, expected {value!r}"


@then(phrase('the response field "{field}" contains "{value}"'))
@then(phrase('响应字段"{field}"包含"{value}"'))
def response_field_contains(http_response: requests.Response, field: str, value: str) -> None:
    """Check that a JSON text holds a text, or that a JSON list has an item equal to it."""
    found = json_field(_json(http_response), field)
    if isinstance(found, list):
        assert value in [_shown(item) for item in found], f"{field} has no item {value!r}: {_shown(found)}"
    else:
        assert value in _shown(found), f"{field} is {_shown(found)}, which does not contain {value!r}"


@then(phrase('the response field "{field}" has {count:d} items'))
@then(phrase('the response field "{field}" has {count:d} item'))
@then(phrase('响应字段"{field}"有{count:d}项'))
def response_field_items(http_response: requests.Response, field: str, count: int) -> None:
    """Check how many items a JSON list (or keys a JSON object) has."""
    found = json_field(_json(http_response), field)
    if not isinstance(found, list | dict):
        pytest.fail(f"{field} is {_shown(found)}, not a list", pytrace=False)
    assert len(found) == count, f"{field} has {len(found)} items, expected {count}"


@then(parsers.parse('the response contains "{text}"'))
@then(phrase('响应包含"{text}"'))
def response_contains(http_response: requests.Response, text: str) -> None:
    """Check that the body holds a text."""
    assert text in http_response.text, f"{text!r} not in the response: {http_response.text[:300]}"


@then(phrase("the response arrives within {ms:d} ms"))
@then(phrase("响应在{ms:d}毫秒内返回"))
def response_time(http_response: requests.Response, ms: int) -> None:
    """Check the time from sending the request to reading the response's headers (requests' elapsed)."""
    took = http_response.elapsed.total_seconds() * 1000
    assert took <= ms, f"the response took {took:.0f} ms, more than {ms} ms"


_PART = re.compile(r"([^.\[\]]+)|\[(-?\d+)\]")


def _path_parts(path: str) -> list[str | int]:
    """Split a JSON path into keys and list indexes; raise ValueError when it is not one."""
    parts: list[str | int] = []
    at = 0
    while at < len(path):
        if path[at] == "." and parts and at + 1 < len(path):
            at += 1
        found = _PART.match(path, at)
        if found is None:
            raise ValueError(f"{path!r} is not a JSON path (write data.items[0].name) at {path[at:]!r}")
        parts.append(found[1] if found[1] is not None else int(found[2]))
        at = found.end()
    if not parts:
        raise ValueError("an empty JSON path (write data.items[0].name)")
    return parts


def json_field(data: Any, path: str) -> Any:
    """Return the value at a JSON path (`data.items[0].name`, `lines.0.quantity`); fail saying where not."""
    try:
        parts = _path_parts(path)
    except ValueError as error:
        pytest.fail(str(error), pytrace=False)
    walked = ""
    for part in parts:
        if isinstance(data, list):
            index = part if isinstance(part, int) else int(part) if part.lstrip("-").isdigit() else None
            if index is None or not -len(data) <= index < len(data):
                pytest.fail(
                    f"{path}: {walked or 'the response'} has {len(data)} items, no [{part}]", pytrace=False
                )
            data = data[index]
        elif isinstance(data, dict) and str(part) in data:
            data = data[str(part)]
        else:
            keys = f" (it has {', '.join(map(str, data))})" if isinstance(data, dict) else ""
            pytest.fail(f"{path}: {walked or 'the response'} has no field {part!r}{keys}", pytrace=False)
        walked = f"{walked}[{part}]" if isinstance(part, int) else f"{walked}.{part}".lstrip(".")
    return data
