"""Keep secrets (passwords, tokens, cookies) out of anything uatkit writes: reports, attachments, logs."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

MASK = "•••"
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key"})
_SECRET_KEY = re.compile(r"pass(word|wd)?|secret|token|api[-_]?key|session|credential|auth(?!or)", re.I)
_FORM_SECRET = re.compile(r"(?i)((?:pass(?:word|wd)?|secret|token|api[-_]?key|session)[^=&]*=)[^&]*")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")


def is_secret_key(name: str) -> bool:
    """Return True when a field or header name suggests its value is a secret."""
    return name.lower() in SECRET_HEADERS or bool(_SECRET_KEY.search(name))


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Return headers with every secret value masked."""
    return {k: MASK if is_secret_key(k) else v for k, v in headers.items()}


def mask_data(value: Any) -> Any:
    """Return JSON-like data with the values of secret-looking keys masked, at any depth."""
    if isinstance(value, Mapping):
        return {k: MASK if is_secret_key(str(k)) else mask_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_data(v) for v in value]
    return value


def mask_text(text: str, known: tuple[str, ...] = ()) -> str:
    """Return a request or response body with secrets masked: JSON fields, form fields, bearer tokens."""
    try:
        masked = json.dumps(mask_data(json.loads(text)), ensure_ascii=False, indent=2)
    except (ValueError, TypeError):
        masked = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", _FORM_SECRET.sub(rf"\1{MASK}", text))
    for secret in known:
        if secret:
            masked = masked.replace(secret, MASK)
    return masked


def url_without_credentials(url: str) -> str:
    """Return a URL without its user name and password, and with secret-looking query values masked."""
    from urllib.parse import unquote_plus, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        # Not a URL uatkit can take apart: say nothing of it rather than risk writing a secret.
        return MASK if "@" in url else url
    netloc = parts.netloc.rpartition("@")[2]
    pieces = parts.query.split("&") if parts.query else []
    query = "&".join(
        f"{piece.partition('=')[0]}={MASK}" if is_secret_key(unquote_plus(piece.partition("=")[0])) else piece
        for piece in pieces
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
