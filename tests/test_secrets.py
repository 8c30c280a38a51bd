"""Secrets never reach attachments: masking rules, and the api session's recorded exchanges."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from uatkit.pytest_plugin.http import ApiSession
from uatkit.secrets import MASK, mask_data, mask_headers, mask_text, url_without_credentials


def test_masking_rules() -> None:
    assert mask_headers({"Authorization": "Bearer x", "Cookie": "s=1", "Accept": "text/html"}) == {
        "Authorization": MASK,
        "Cookie": MASK,
        "Accept": "text/html",
    }
    assert mask_data(
        {"user": {"password": "p", "name": "n"}, "items": [{"api_key": "k"}], "author": "a"}
    ) == {
        "user": {"password": MASK, "name": "n"},
        "items": [{"api_key": MASK}],
        "author": "a",
    }
    assert mask_text("username=clara&password=s3cret&next=/") == f"username=clara&password={MASK}&next=/"
    assert mask_text("token: Bearer abc.def-ghi") == f"token: Bearer {MASK}"
    assert "hunter2" not in mask_text("free text with hunter2 inside", known=("hunter2",))


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        ok = body.get("password") == "clara-secret"
        payload = {"token": "tok-123456", "user": {"name": "clara"}} if ok else {"error": "invalid"}
        data = json.dumps(payload).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "session=tok-123456; HttpOnly")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/"),
        ("https://qa:s3cret@uat.example.com:8443/shop/", "https://uat.example.com:8443/shop/"),
        ("https://qa@[::1]:8080/", "https://[::1]:8080/"),
        (
            "https://uat.example.com/?tenant=7&api%5Fkey=k3y&token=t0k#top",
            f"https://uat.example.com/?tenant=7&api%5Fkey={MASK}&token={MASK}#top",
        ),
    ],
)
def test_a_url_loses_its_user_password_and_secret_query_values(url: str, shown: str) -> None:
    assert url_without_credentials(url) == shown


def test_api_session_records_exchanges_without_secrets(server: str) -> None:
    session = ApiSession(server)
    response = session.login("clara", "clara-secret")
    assert response.status_code == 200
    assert session.headers["Authorization"] == "Bearer tok-123456"
    session.get("/api/me")
    recorded = "\n".join(session.exchanges)
    assert "POST " + server + "/api/login" in recorded and "GET " + server + "/api/me" in recorded
    assert "clara-secret" not in recorded and "tok-123456" not in recorded
    assert '"username": "clara"' in recorded and MASK in recorded
