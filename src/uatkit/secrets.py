"""Keep secrets (passwords, tokens, cookies) out of anything uatkit writes: reports, attachments, logs.

`mask` is the one function every output goes through: an HTTP exchange (request line, headers, bodies),
environment.properties, the run record, the report's executor. It takes text or JSON-like data and masks
URL user-info, the values of secret-looking fields (query, form, JSON, header lines), bearer and basic
credentials, and any value the caller knows to be secret.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, overload
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit

MASK = "•••"
#: Names (of query parameters, form and JSON fields, headers, variables) whose values are secrets, compared
#: lower-case with `-` read as `_`, whole and word by word (`x-api-key`, `db_password`, `sessionId`).
DEFAULT_FIELDS = frozenset(
    {
        "pwd", "passwd", "pass", "password", "passphrase", "secret", "client_secret", "token",
        "access_token", "refresh_token", "id_token", "auth", "authorization", "proxy_authorization",
        "cookie", "set_cookie", "session", "sessionid", "session_id", "api_key", "apikey", "x_api_key",
        "key", "private_key", "sig", "signature", "credential", "credentials", "otp", "pin",
    }
)  # fmt: skip
# Names holding one of these anywhere are secrets too (csrftoken, dbpassword, x-authorization-token).
_INFIX = re.compile(r"pass(?:word|wd|phrase)|secret|token|api_?key|session|credential|cookie|authoriz", re.I)
_WORDS = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# scheme://user:password@ — everything up to the last @ before the path is user-info.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#@]*(?:@[^\s/?#@]*)*@")
_PAIR = re.compile(r"(?<![\w%.\-\[\]])([\w%.\-\[\]]+)=([^&\s;#,\"'<>]*)")
_HEADER_LINE = re.compile(r"(?m)^([ \t]*[\w-]+[ \t]*:[ \t]*)(\S.*)$")
# A JSON field in text that is not a whole JSON document (a body cut short), its closing quote maybe cut.
_QUOTED = re.compile(r'("([^"\\]{1,200})"\s*:\s*)"(?:[^"\\]|\\.)*"?')
_SCHEME_CREDENTIALS = re.compile(r"(?i)\b(bearer|basic|digest|token)\s+[A-Za-z0-9._~+/=-]{4,}")
# A secret said in words, as step text says it: `with password "s3cret"`, `the API key is 'k-1'`, `密码 “x”`.
_QUOTE = r"([\"'“‘])([^\"'”’\n]{1,200})([\"'”’])"
_SAID = (
    # An English word, not inside quotes itself (HTML's type="password" name="…" says nothing), then a
    # separator — a space, "is", ":" or "=" — and the quoted value.
    re.compile(
        r"(?i)(?<![\"'\w])(pwd|passwd|password|passphrase|secret|token|api[ _-]?key|pin|otp)"
        r"((?:\s+is)?(?:\s*[:=：]\s*|\s+))" + _QUOTE
    ),
    # Chinese writes no space: 密码“s3cret”, 密码：“s3cret”.
    re.compile(r"(密码|口令|令牌|密钥)(\s*[:=：]?\s*)" + _QUOTE),
)
#: Environment variables with a secret-looking name are secrets when their value is at least this long
#: (shorter values, such as XDG_SESSION_ID=3, would mask ordinary text).
ENV_MIN_LENGTH = 8


@dataclass(frozen=True)
class Secrets:
    """What counts as a secret: field names (the defaults and the project's) and values known to be one."""

    fields: frozenset[str] = DEFAULT_FIELDS
    known: tuple[str, ...] = ()

    def extended(self, fields: Iterable[str] = (), known: Iterable[str] = ()) -> Secrets:
        """Return these rules with more field names and more known secret values."""
        names = {_normal(name) for name in fields if name.strip()}
        values = tuple(value for value in known if value and value not in self.known)
        return Secrets(self.fields | names, self.known + values)


DEFAULT = Secrets()


def secret_rules(
    fields: Iterable[str] = (), env: Iterable[str] = (), environ: Mapping[str, str] | None = None
) -> Secrets:
    """Return uatkit's rules with a project's own field names (`[tool.uatkit.secrets] fields`) added, and the
    values of environment variables known to be secrets: those the project names (`env`) and those whose
    name looks secret (`DEMO_ADMIN_PASSWORD`, `CI_JOB_TOKEN`) with a value of `ENV_MIN_LENGTH` or more.
    """
    variables = os.environ if environ is None else environ
    named = [variables.get(name, "") for name in env]
    looks = [
        value for name, value in variables.items() if len(value) >= ENV_MIN_LENGTH and is_secret_key(name)
    ]
    return DEFAULT.extended(fields, known=[value for value in (*named, *looks) if value.strip()])


def url_password(url: str) -> list[str]:
    """Return the password a URL carries in its user-info, as written and decoded (none: an empty list)."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return []
    return [password, unquote(password)] if password else []


def said_secrets(text: str) -> list[str]:
    """Return the values text says are secrets in words (`with password "s3cret"` gives s3cret)."""
    return [match.group(4) for pattern in _SAID for match in pattern.finditer(text)]


def is_secret_key(name: str, secrets: Secrets = DEFAULT) -> bool:
    """Return True when a field, header, parameter or variable name suggests its value is a secret."""
    normal = _normal(name)
    if normal in secrets.fields or _INFIX.search(normal):
        return True
    words = _WORDS.split(_CAMEL.sub("_", name.strip()).lower())
    return any(word in secrets.fields for word in words if word)


@overload
def mask(value: str, secrets: Secrets = DEFAULT) -> str: ...
@overload
def mask(value: Mapping[Any, Any], secrets: Secrets = DEFAULT) -> dict[Any, Any]: ...
@overload
def mask(value: Any, secrets: Secrets = DEFAULT) -> Any: ...
def mask(value: Any, secrets: Secrets = DEFAULT) -> Any:
    """Return text or JSON-like data with every secret masked: the one masking every output goes through.

    Mappings mask the values of secret-looking keys (any depth) and every other value in turn; text has
    URL user-info removed and secret query, form, JSON and header-line values, bearer/basic credentials
    and the known secret values masked; a JSON document in text is masked field by field.
    """
    if isinstance(value, Mapping):
        return {
            key: MASK if is_secret_key(str(key), secrets) and value_ else mask(value_, secrets)
            for key, value_ in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask(item, secrets) for item in value]
    if isinstance(value, str):
        return _mask_text(value, secrets)
    return value


def _mask_text(text: str, secrets: Secrets) -> str:
    stripped = text.lstrip()
    masked: str | None = None
    if stripped[:1] in ("{", "["):
        try:
            masked = json.dumps(mask(json.loads(text), secrets), ensure_ascii=False, indent=2)
        except (ValueError, TypeError, RecursionError):
            masked = None
    if masked is None:
        masked = _USERINFO.sub(r"\1", text)
        masked = _PAIR.sub(lambda m: _pair(m, secrets), masked)
        masked = _QUOTED.sub(
            lambda m: f'{m.group(1)}"{MASK}"' if is_secret_key(m.group(2), secrets) else m.group(0), masked
        )
        masked = _HEADER_LINE.sub(
            lambda m: (
                f"{m.group(1)}{MASK}" if is_secret_key(m.group(1).strip(" \t:"), secrets) else m.group(0)
            ),
            masked,
        )
        masked = _SCHEME_CREDENTIALS.sub(lambda m: f"{m.group(1)} {MASK}", masked)
        for pattern in _SAID:
            masked = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{MASK}{m.group(5)}", masked)
    for secret in secrets.known:
        # The secret as written, and as a URL or form carries it.
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            masked = masked.replace(form, MASK)
    return masked


def _pair(match: re.Match[str], secrets: Secrets) -> str:
    name, value = match.group(1), match.group(2)
    return f"{name}={MASK}" if value and is_secret_key(unquote_plus(name), secrets) else match.group(0)


def _normal(name: str) -> str:
    return name.strip().lower().replace("-", "_")
