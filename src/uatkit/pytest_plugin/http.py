"""HTTP checks: a requests session bound to the base URL, with timeouts, login helpers, and on failure
the exchanges attached to Allure with secrets (passwords, tokens, cookies) masked."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

import requests

from uatkit.secrets import DEFAULT, Secrets, mask, url_password

DEFAULT_TIMEOUT = 10.0
KEEP = 20


class ApiSession(requests.Session):
    """A requests.Session whose relative URLs resolve against the base URL, with a default timeout."""

    def __init__(
        self,
        base_url: str,
        timeout: float = DEFAULT_TIMEOUT,
        secrets: Secrets = DEFAULT,
        on_secret: Callable[[list[str]], None] | None = None,
    ) -> None:
        super().__init__()
        #: What the exchanges mask: the project's rules, and the base URL's password wherever it shows.
        self.secrets = secrets.extended(known=url_password(base_url))
        #: Told each secret the session learns (a password, a token), so that results mask it too.
        self.on_secret = on_secret
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        #: The last requests with their responses, as text with secrets masked.
        self.exchanges: list[str] = []
        self.headers["Accept"] = "application/json"

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        """Send a request; relative URLs are joined to the base URL."""
        kwargs.setdefault("timeout", self.timeout)
        text = url.decode() if isinstance(url, bytes) else url
        full = urljoin(self.base_url, text.lstrip("/"))
        method = method.decode() if isinstance(method, bytes) else method
        response = super().request(method, full, *args, **kwargs)
        self._record(response)
        return response

    def login(self, username: str, password: str, path: str = "api/login") -> requests.Response:
        """Log in with JSON credentials; a returned token becomes the session's bearer token."""
        self._learn(password)
        response = self.post(path, json={"username": username, "password": password})
        token = _json(response).get("token") if response.ok else None
        if token:
            self._learn(str(token))
            self.headers["Authorization"] = f"Bearer {token}"
        return response

    def logout(self, path: str = "api/logout") -> requests.Response:
        """Log out and forget the bearer token."""
        response = self.post(path)
        self.headers.pop("Authorization", None)
        return response

    def _learn(self, secret: str) -> None:
        self.secrets = self.secrets.extended(known=[secret])
        if self.on_secret is not None and secret:
            self.on_secret([secret])

    def _record(self, response: requests.Response) -> None:
        request = response.request
        body = (
            request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else request.body or ""
        )
        rules = self.secrets
        # Every part goes through the one masking: the request line's URL carries user-info and tokens too.
        lines = [
            mask(f"{request.method} {request.url}", rules),
            *(f"{k}: {v}" for k, v in mask({k: str(v) for k, v in request.headers.items()}, rules).items()),
            "",
            mask(str(body), rules) if body else "",
            "",
            f"HTTP {response.status_code} {mask(response.reason or '', rules)}",
            *(f"{k}: {v}" for k, v in mask(dict(response.headers), rules).items()),
            "",
            mask(response.text[:20000], rules),
        ]
        self.exchanges = [*self.exchanges[-(KEEP - 1) :], "\n".join(lines)]


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except (ValueError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
