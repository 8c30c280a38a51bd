"""The small WSGI toolkit of the demo: requests, responses, cookies and a router; no framework needed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from uatkit.demo.model import DomainError

MAX_BODY = 1024 * 1024
SECURITY_HEADERS = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
    ("Cache-Control", "no-store"),
]


@dataclass
class Request:
    """One HTTP request, decoded: path and query as text, header names in lower case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any]) -> Request:
        """Read a request from a WSGI environ; refuse bodies over 1 MiB with 413."""
        # WSGI hands the path over as latin-1; the bytes are really UTF-8 (e.g. a product named 保温杯)
        path = str(environ.get("PATH_INFO", "/")).encode("latin-1").decode("utf-8", "replace")
        query = {key: values[0] for key, values in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            raise DomainError("request body too large", 413)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        return cls(
            str(environ.get("REQUEST_METHOD", "GET")).upper(), path, query, headers, _cookies(headers), body
        )

    def json(self) -> dict[str, Any]:
        """Return the body as a JSON object (numbers with decimals as Decimal); an empty body is {}."""
        if not self.body.strip():
            return {}
        try:
            data = json.loads(self.body.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, ValueError):
            raise DomainError("request body must be JSON") from None
        if not isinstance(data, dict):
            raise DomainError("request body must be a JSON object")
        return data

    def form(self) -> dict[str, str]:
        """Return the fields of a url-encoded form body (the first value of each)."""
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            raise DomainError("form must be UTF-8") from None
        return {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}

    @property
    def bearer(self) -> str | None:
        """Return the token of an "Authorization: Bearer …" header, if any."""
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return (token.strip() or None) if scheme.lower() == "bearer" else None


def _cookies(headers: Mapping[str, str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


@dataclass
class Response:
    """An HTTP response with its body already encoded."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def set_cookie(self, name: str, value: str, *, max_age: int | None = None) -> None:
        """Set an HttpOnly, SameSite=Lax cookie for the whole site."""
        jar: SimpleCookie = SimpleCookie()
        jar[name] = value
        morsel = jar[name]
        morsel["path"] = "/"
        morsel["httponly"] = True
        morsel["samesite"] = "Lax"
        if max_age is not None:
            morsel["max-age"] = max_age
        self.headers.append(("Set-Cookie", morsel.OutputString()))

    def delete_cookie(self, name: str) -> None:
        """Tell the browser to forget a cookie."""
        self.set_cookie(name, "", max_age=0)

    def wsgi(self, start_response: Callable[..., object]) -> Iterable[bytes]:
        """Send the response through WSGI's start_response and return the body."""
        status = f"{self.status} {HTTPStatus(self.status).phrase}"
        headers = [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))]
        start_response(status, headers + SECURITY_HEADERS + self.headers)
        return [self.body]


def json_response(data: object, status: int = 200) -> Response:
    """Return a UTF-8 JSON response."""
    body = json.dumps(data, ensure_ascii=False, indent=None).encode("utf-8")
    return Response(status, body, "application/json; charset=utf-8")


def html_response(text: str, status: int = 200) -> Response:
    """Return a UTF-8 HTML response."""
    return Response(status, text.encode("utf-8"), "text/html; charset=utf-8")


def redirect(location: str) -> Response:
    """Return a 303 redirect, so that reloading the next page does not post the form again."""
    return Response(303, b"", headers=[("Location", location)])


Handler = Callable[[Request], Response]


class Router:
    """Map method and path patterns such as "/api/orders/<id>/approve" to handlers."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """Route requests with this method and a path matching the pattern to a handler."""
        regex = re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", pattern)
        self._routes.append((method, re.compile(f"^{regex}$"), handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | int:
        """Return the handler and path parameters, or 404 (no such path) or 405 (not with this method)."""
        found_path = False
        for route_method, regex, handler in self._routes:
            hit = regex.match(path)
            if hit is None:
                continue
            found_path = True
            if route_method == method:
                return handler, hit.groupdict()
        return 405 if found_path else 404
