"""Salted PBKDF2 password hashes and session tokens; nothing here keeps or logs a password."""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALGORITHM = "pbkdf2_sha256"
# Lower than OWASP's 600 000 on purpose: every test scenario logs in, and this is a demo without real secrets.
DEFAULT_ITERATIONS = 100_000


def hash_password(password: str, iterations: int = DEFAULT_ITERATIONS) -> str:
    """Return "pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>" for a password with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Tell whether a password matches a stored hash, in constant time."""
    try:
        algorithm, iterations, salt, expected = stored.split("$")
        rounds = int(iterations)
        salt_bytes, expected_bytes = bytes.fromhex(salt), bytes.fromhex(expected)
    except ValueError:
        return False
    if algorithm != ALGORITHM or not 1 <= rounds <= 10_000_000:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt_bytes, rounds)
    return hmac.compare_digest(digest, expected_bytes)


def new_token() -> str:
    """Return a fresh unguessable session token."""
    return secrets.token_urlsafe(32)


def token_key(token: str) -> str:
    """Return what the database keeps of a token: its SHA-256, so a database copy opens no session."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_workspace_id() -> str:
    """Return a fresh workspace id."""
    return secrets.token_hex(8)
