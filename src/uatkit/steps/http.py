"""HTTP API steps: send a request, check its status, read a JSON field.

When I send a GET request to "/api/orders"
When I send a POST request to "/api/customers" with:
  \"\"\"
  {"name": "ACME Ltd"}
  \"\"\"
Then the response status is 201
And the response field "name" is "ACME Ltd"
And the response contains "ACME"
"""

from __future__ import annotations

import json
from typing import Any

from uatkit.extras import require

require("requests", "uatkit.steps.http (the HTTP API steps)")

import requests  # noqa: E402
from pytest_bdd import parsers, then, when  # noqa: E402

from uatkit.pytest_plugin.http import ApiSession  # noqa: E402


@when(parsers.parse('I send a {method:w} request to "{path}" with:'), target_fixture="http_response")
def send_with_body(api: ApiSession, method: str, path: str, docstring: str) -> requests.Response:
    """Send a request with the step's doc string as its JSON body."""
    return api.request(method.upper(), path, json=json.loads(docstring))


@when(parsers.parse('I send a {method:w} request to "{path}"'), target_fixture="http_response")
def send(api: ApiSession, method: str, path: str) -> requests.Response:
    """Send a request without a body."""
    return api.request(method.upper(), path)


@then(parsers.parse("the response status is {status:d}"))
def response_status(http_response: requests.Response, status: int) -> None:
    """Check the status code."""
    assert http_response.status_code == status, (
        f"expected HTTP {status}, got {http_response.status_code}: {http_response.text[:300]}"
    )


@then(parsers.parse('the response field "{field}" is "{value}"'))
def response_field(http_response: requests.Response, field: str, value: str) -> None:
    """Check a JSON field, named by a dotted path ("user.role", "lines.0.quantity")."""
    found = json_field(http_response.json(), field)
    assert str(found) == value, f"{field} is {found!r}, expected {value!r}"


@then(parsers.parse('the response contains "{text}"'))
def response_contains(http_response: requests.Response, text: str) -> None:
    """Check that the body holds a text."""
    assert text in http_response.text, f"{text!r} not in the response: {http_response.text[:300]}"


def json_field(data: Any, path: str) -> Any:
    """Return the value at a dotted path in JSON data."""
    for part in path.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data
