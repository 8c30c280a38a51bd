"""Secrets never reach attachments: masking rules, and the api session's recorded exchanges."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from uatkit.allure.masking import mask_result
from uatkit.pytest_plugin.http import ApiSession
from uatkit.secrets import MASK, Secrets, is_secret_key, mask, secret_rules


def test_masking_rules() -> None:
    assert mask({"Authorization": "Bearer x", "Cookie": "s=1", "Accept": "text/html"}) == {
        "Authorization": MASK,
        "Cookie": MASK,
        "Accept": "text/html",
    }
    assert mask({"user": {"password": "p", "name": "n"}, "items": [{"api_key": "k"}], "author": "a"}) == {
        "user": {"password": MASK, "name": "n"},
        "items": [{"api_key": MASK}],
        "author": "a",
    }
    assert mask("username=clara&password=s3cret&next=/") == f"username=clara&password={MASK}&next=/"
    assert mask("note: Bearer abc.def-ghi") == f"note: Bearer {MASK}"
    assert "hunter2" not in mask("free text with hunter2 inside", Secrets(known=("hunter2",)))


@pytest.mark.parametrize(
    "name",
    ["pwd", "passwd", "pass", "Password", "secret", "token", "Authorization", "cookie", "Set-Cookie",
     "session", "api-key", "X-API-Key", "apikey", "key", "sig", "signature", "access_token", "sessionId",
     "db_password", "csrftoken", "X-Auth-Token", "client_secret"],
)  # fmt: skip
def test_common_spellings_of_secret_names_are_secret(name: str) -> None:
    assert is_secret_key(name)


@pytest.mark.parametrize("name", ["author", "keyboard", "monkey", "username", "Accept", "Base URL", "Run ID"])
def test_ordinary_names_are_not_secret(name: str) -> None:
    assert not is_secret_key(name)


def test_a_project_adds_its_own_field_names() -> None:
    rules = Secrets().extended(fields=["Tenant-PIN-Code", "otpSeed"])
    assert mask({"tenant_pin_code": "1234", "otpSeed": "s"}, rules) == {
        "tenant_pin_code": MASK,
        "otpSeed": MASK,
    }
    assert mask("x=1&Tenant-PIN-Code=9", rules) == f"x=1&Tenant-PIN-Code={MASK}"


def test_a_json_field_pwd_is_masked_whole_or_cut_short() -> None:
    assert '"pwd": "p4ss"' not in mask('{"login": "clara", "pwd": "p4ss"}')
    assert "p4ss" not in mask('{"login": "clara", "pwd": "p4ss", "next": "/very/long')
    assert "p4ss" not in mask("login: clara\npwd: p4ss\n")


def test_a_request_line_loses_user_info_and_secret_query_values() -> None:
    line = mask("GET http://admin:PASS@host/api?access_token=TOKEN&page=2 HTTP/1.1")
    assert line == f"GET http://host/api?access_token={MASK}&page=2 HTTP/1.1"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length) or b"{}"
        body = json.loads(raw) if raw.startswith(b"{") else {}
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
    assert mask(url) == shown


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


def test_every_part_of_a_recorded_exchange_is_masked(server: str) -> None:
    secret = "Zq9-secret-7Kp"
    host = server.removeprefix("http://")
    session = ApiSession(f"http://admin:{secret}@{host}/")
    session.get(f"api/items?access_token={secret}&page=2", headers={"X-Api-Key": secret})
    session.post("api/login", json={"login": "clara", "pwd": secret})
    session.post("api/form", data={"login": "clara", "passwd": secret})
    recorded = "\n".join(session.exchanges)
    assert secret not in recorded and "admin" not in recorded
    assert f"GET {server}/api/items?access_token={MASK}&page=2" in recorded
    assert "login=clara" in recorded and '"login": "clara"' in recorded


SAID = [
    ('When I log in as "clara" with password "clara-secret"', 'When I log in as "clara" with password "•••"'),
    ("Given the API key is 'k-123'", "Given the API key is '•••'"),
    ('当 我以 "clara" 和密码 “s3cret” 登录', '当 我以 "clara" 和密码 “•••” 登录'),
]
NOT_SAID = [
    'Then the password of "clara" is a hash',
    'Then the login is refused with "invalid password"',
    '<input type="password" name="password">',
]


@pytest.mark.parametrize(("said", "shown"), [*SAID, *((text, text) for text in NOT_SAID)])
def test_a_secret_said_in_step_text_is_masked_and_nothing_else(said: str, shown: str) -> None:
    assert mask(said) == shown


def test_environment_secrets_are_the_named_ones_and_long_values_of_secret_looking_names() -> None:
    environ = {
        "SHOP_PIN": "4711",
        "CI_JOB_TOKEN": "tok-abcdefgh",
        "XDG_SESSION_ID": "3",
        "HOME": "/root/long",
    }
    rules = secret_rules(env=["SHOP_PIN", "NOT_SET"], environ=environ)
    assert set(rules.known) == {"4711", "tok-abcdefgh"}


def test_a_result_is_masked_in_every_text_it_carries() -> None:
    from allure_commons.model2 import Parameter, StatusDetails, TestResult, TestStepResult

    result = TestResult(
        name="AC-2 Each user logs in [integration]",
        fullName="test_features.py::test_ac2[integration-max-OUTLINE-pw]",
        parameters=[Parameter(name="password", value="'OUTLINE-pw'"), Parameter(name="user", value="'max'")],
        statusDetails=StatusDetails(message="refused OUTLINE-pw and said-pass1 at http://a:b@h/", trace="t"),
        steps=[
            TestStepResult(name='When I log in as "max" with password "said-pass1"'),
            TestStepResult(
                name="Then it works", parameters=[Parameter(name="world", value="{'pw': 'said-pass1'}")]
            ),
        ],
    )
    mask_result(result, Secrets())
    assert "OUTLINE-pw" not in result.fullName
    assert [p.value for p in result.parameters] == [MASK, "'max'"]
    assert result.statusDetails.message == f"refused {MASK} and {MASK} at http://h/"
    assert result.steps[0].name == f'When I log in as "max" with password "{MASK}"'
    assert result.steps[1].parameters[0].value == f"{{'pw': '{MASK}'}}"


def test_a_playwright_trace_loses_the_known_secrets_and_stays_readable(tmp_path: Path) -> None:
    import zipfile

    from uatkit.pytest_plugin.masks import mask_zip

    trace = tmp_path / "trace.zip"
    action = {"method": "fill", "params": {"selector": "#password", "value": "clara-secret"}}
    image = bytes(range(256)) * 4  # a screenshot: not text, kept as it is
    with zipfile.ZipFile(trace, "w") as archive:
        archive.writestr("trace.trace", json.dumps(action) + "\n" + json.dumps({"type": "after"}) + "\n")
        archive.writestr("resources/page.jpeg", image)
    mask_zip(trace, Secrets(known=("clara-secret",)))
    with zipfile.ZipFile(trace) as archive:
        lines = archive.read("trace.trace").decode().splitlines()
        first, second = (json.loads(line) for line in lines)
        assert first["params"]["value"] == MASK and second == {"type": "after"}
        assert archive.read("resources/page.jpeg") == image
