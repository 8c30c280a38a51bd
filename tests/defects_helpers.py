"""A QA project with failures to file, and a small Jira: the REST endpoints `uatkit defects push` calls."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from typer.testing import CliRunner

from tests.conftest import write
from uatkit.allure.mapping import CASE_KEY_LABEL, FINGERPRINT_LABEL
from uatkit.allure.runs import RUN_LABEL
from uatkit.cli import app
from uatkit.model import Mark, SourceLocation, Status
from uatkit.project import load_project
from uatkit.uat.ledger import Ledger
from uatkit.uat.pack import PackInfo, PackRow, ReadPack

runner = CliRunner()

SALES = """
---
id: REQ-1
module: Sales
priority: must
levels: [integration]
owner: Sales operations
---
# Place an order

## AC-1 An order is confirmed
Given a customer "ACME" exists
When I place an order for 3 "Widget"
Then the order total is 29.97

## AC-2 下单后显示合计
The clerk sees the order's total on the screen.
"""
BILLING = """
---
id: REQ-2
module: Billing
priority: should
owner: Finance
---
# Send an invoice

## AC-1 The invoice names the VAT number
The invoice shows the customer's VAT number.
"""
#: What the tester of REQ-1.AC-2 wrote: Chinese, and text a spreadsheet would read as a formula.
ACTUAL = '合计显示 30.00 =HYPERLINK("http://x","y")'
TESTER = "李伟"


def make_project(root: Path) -> Path:
    """Write the stories, generate the features, fail REQ-1.AC-1 at integration and mark UAT rows."""
    write(root / "stories" / "REQ-1.md", SALES)
    write(root / "stories" / "REQ-2.md", BILLING)
    generated = runner.invoke(app, ["generate", "-C", str(root)])
    assert generated.exit_code == 0, generated.output
    fingerprints = load_project(root).fingerprints
    _allure_result(root / "reports" / "allure-results", "REQ-1.AC-1", fingerprints["REQ-1.AC-1"], "failed")
    returned = root / "uat_packs" / "R1" / "returned"
    returned.mkdir(parents=True)
    (returned / "total.png").write_bytes(b"\x89PNG evidence")
    day = dt.date(2026, 11, 20)

    def row(n: int) -> SourceLocation:
        return SourceLocation("R1-sales.xlsx", sheet="Test cases", row=n)

    marks = [
        Mark("REQ-1.AC-2", Status.FAIL, TESTER, day, ACTUAL, "", ("total.png",), "seen twice",
             fingerprints["REQ-1.AC-2"], "R1-sales", row(3)),
        Mark("REQ-2.AC-1", Status.FAIL, "Ann Lee", day, "no VAT number", "BUG-7", (), "",
             fingerprints["REQ-2.AC-1"], "R1-sales", row(4)),
        Mark("REQ-1.AC-1", Status.PASS, "Ann Lee", day, "", "", (), "",
             fingerprints["REQ-1.AC-1"], "R1-sales", row(2)),
    ]  # fmt: skip
    info = PackInfo("R1-sales", "R1", "Sales", "Sales operations", "en", "Demo", dt.datetime(2026, 11, 1))
    rows = [PackRow(m.key, n, m.fingerprint) for n, m in enumerate(marks, start=2)]
    with Ledger.open(root / "reports" / "uat.db") as ledger:
        ledger.import_pack(ReadPack(returned / "R1-sales.xlsx", "a" * 64, info, rows, marks))
    # The report a defect links to.
    write(root / "reports" / "allure-report" / "index.html", "<html></html>")
    return root


def _allure_result(folder: Path, key: str, fingerprint: str, status: str) -> str:
    """Write one result as the pytest plugin labels it, through allure-python-commons; return its uuid."""
    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import Attachment, Label, StatusDetails, TestResult

    result_uuid = str(uuid.uuid4())
    logger: Any = AllureFileLogger(str(folder))
    logger.report_result(
        TestResult(
            uuid=result_uuid,
            historyId=f"{key}[integration]",
            name=f"{key} [integration]",
            status=status,
            statusDetails=StatusDetails(message="expected 29.97, got 30.00"),
            labels=[
                Label("case", key.partition("#")[0]),
                Label("layer", "integration"),
                Label(CASE_KEY_LABEL, key),
                Label(FINGERPRINT_LABEL, fingerprint),
                Label(RUN_LABEL, "run-0001"),
            ],
            attachments=[Attachment(name="response", source="abc-attachment.json", type="application/json")],
            start=1_764_000_000_000,
            stop=1_764_000_001_000,
        )
    )
    return result_uuid


@dataclass
class FakeJira:
    """What the small Jira received and holds: issues by key, with their fields."""

    user: str = "qa@example.com"
    token: str = "s3cret-token-value"
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    #: Answer GET /rest/api/2/search with 410 Gone, as Jira Cloud does now.
    search_gone: bool = False
    #: Refuse (400) a new issue whose summary holds this text.
    refuse: str = ""
    url: str = ""

    def authorised(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.user}:{self.token}".encode()).decode()
        return header == f"Basic {expected}"


@contextmanager
def fake_jira(state: FakeJira | None = None) -> Iterator[FakeJira]:
    """Serve a small Jira on a free local port in a thread (Jira's REST v2 request and answer shapes)."""
    jira = state or FakeJira()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, data: object) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _allowed(self) -> bool:
            jira.requests.append((self.command, self.path))
            if jira.authorised(self.headers.get("Authorization", "")):
                return True
            self._send(401, {"errorMessages": ["You are not authenticated."], "errors": {}})
            return False

        def do_GET(self) -> None:
            if not self._allowed():
                return
            parts = urlsplit(self.path)
            if parts.path == "/rest/api/2/myself":
                self._send(200, {"name": "qa", "displayName": "QA Bot", "emailAddress": jira.user})
            elif parts.path in ("/rest/api/2/search", "/rest/api/2/search/jql"):
                if parts.path.endswith("/search") and jira.search_gone:
                    self._send(410, {"errorMessages": ["The requested API has been removed."], "errors": {}})
                    return
                jql = parse_qs(parts.query)["jql"][0]
                label = jql.split('labels = "')[1].rstrip('"')
                found = [
                    {"id": issue["id"], "key": key, "self": f"{jira.url}/rest/api/2/issue/{issue['id']}"}
                    for key, issue in jira.issues.items()
                    if label in issue["fields"].get("labels", [])
                ]
                self._send(200, {"startAt": 0, "maxResults": 1, "total": len(found), "issues": found[:1]})
            else:
                self._send(404, {"errorMessages": ["Not found"], "errors": {}})

        def do_POST(self) -> None:
            if not self._allowed():
                return
            if urlsplit(self.path).path != "/rest/api/2/issue":
                self._send(404, {"errorMessages": ["Not found"], "errors": {}})
                return
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fields = payload["fields"]
            if jira.refuse and jira.refuse in fields["summary"]:
                self._send(
                    400, {"errorMessages": [], "errors": {"priority": "Priority name 'High' is not valid"}}
                )
                return
            number = len(jira.issues) + 1
            key = f"{fields['project']['key']}-{number}"
            jira.issues[key] = {"id": str(10000 + number), "fields": fields}
            self._send(
                201, {"id": str(10000 + number), "key": key, "self": f"{jira.url}/rest/api/2/issue/{number}"}
            )

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    jira.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield jira
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
