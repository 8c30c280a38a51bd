"""HTTP checks: a requests session bound to the base URL, with timeouts, login helpers, and on failure
the exchanges attached to Allure with secrets (passwords, tokens, cookies) masked."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

import requests

from uatkit.secrets import mask_headers, mask_text

DEFAULT_TIMEOUT = 10.0
KEEP = 20


class ApiSession(requests.Session):
    """A requests.Session whose relative URLs resolve against the base URL, with a default timeout."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        #: The last requests with their responses, as text with secrets masked.
        self.exchanges: list[str] = []
        self._secrets: list[str] = []
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
        self._secrets.append(password)
        response = self.post(path, json={"username": username, "password": password})
        token = _json(response).get("token") if response.ok else None
        if token:
            self._secrets.append(str(token))
            self.headers["Authorization"] = f"Bearer {token}"
        return response

    def logout(self, path: str = "api/logout") -> requests.Response:
        """Log out and forget the bearer token."""
        response = self.post(path)
        self.headers.pop("Authorization", None)
        return response

    def _record(self, response: requests.Response) -> None:
        request = response.request
        body = (
            request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else request.body or ""
        )
        secrets = tuple(self._secrets)
        lines = [
            f"{request.method} {request.url}",
            *(f"{k}: {v}" for k, v in mask_headers({k: str(v) for k, v in request.headers.items()}).items()),
            "",
            mask_text(str(body), secrets) if body else "",
            "",
            f"HTTP {response.status_code} {response.reason}",
            *(f"{k}: {v}" for k, v in mask_headers(dict(response.headers)).items()),
            "",
            mask_text(response.text[:20000], secrets),
        ]
        self.exchanges = [*self.exchanges[-(KEEP - 1) :], "\n".join(lines)]


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except (ValueError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
