"""The step library's phrases, run through pytest-bdd against a real HTTP server and a real Chromium.

The shop page is a third-party application as a tester meets it: a filter form without labels (fields known by
placeholder, aria-label or name only), a select, a checkbox, links and a table of orders that the server
filters; the JSON API answers with nested data and headers.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import REPO, write

ORDERS = [("ACME Ltd", "open", "29.97"), ("Globex", "closed", "10.00"), ("Initech", "open", "5.00")]


def shop_page(query: dict[str, list[str]]) -> str:
    """Return the orders page, its table filtered as the form asks."""
    q = query.get("q", [""])[0].lower()
    status = query.get("status", ["any"])[0]
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{state}</td><td>{total}</td></tr>"
        for name, state, total in ORDERS
        if q in name.lower() and status in ("any", state)
    )
    return f"""<!doctype html><html><head><title>Orders</title></head><body>
<form method="get" action="/shop">
  <input name="q" placeholder="Customer">
  <select name="status"><option value="any">Any</option><option value="open">Open</option>
    <option value="closed">Closed</option></select>
  <input aria-label="Reference" id="ref">
  <input data-testid="note-field" id="note">
  <label for="sort">Sort by</label><select id="sort"><option>Name</option><option>Total</option></select>
  <label><input type="checkbox" id="overdue"> Only overdue</label>
  <button type="submit">Filter</button>
</form>
<p id="echo"></p>
<script>
for (const id of ["ref", "note", "sort", "overdue"]) {{
  for (const kind of ["input", "change"]) document.getElementById(id).addEventListener(kind, () => {{
    const f = (x) => document.getElementById(x);
    f("echo").textContent = `ref=${{f("ref").value}} note=${{f("note").value}} sort=${{f("sort").value}}` +
      ` overdue=${{f("overdue").checked}}`;
  }});
}}
</script>
<p style="display:none">Internal audit note</p>
<a href="/shop?page=2">Next page</a>
<table><caption>Orders</caption>
  <thead><tr><th>Customer</th><th>Status</th><th>Total</th></tr></thead>
  <tbody>{rows}</tbody>
</table>
</body></html>"""


TWO_TABLES = """<!doctype html><html><body>
<table aria-label="Open"><tr><td>a</td></tr></table><table aria-label="Closed"><tr><td>b</td></tr></table>
</body></html>"""


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/shop":
            self._send(200, shop_page(parse_qs(url.query)).encode(), "text/html; charset=utf-8")
        elif url.path == "/two-tables":
            self._send(200, TWO_TABLES.encode(), "text/html")
        elif url.path == "/api/slow":
            time.sleep(0.3)  # the server is slow on purpose: the step must say it took too long
            self._send(200, b"{}", "application/json")
        else:
            body = {"data": {"items": [{"name": "ACME Ltd"}, {"name": "Globex"}], "active": True}}
            self._send(200, json.dumps(body).encode(), "application/json; charset=utf-8")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("X-Request-Id", "req-42")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


BROWSER_EN = """Feature: orders page
  @e2e
  Scenario: Filter without labels
    When I open the page "/shop"
    Then the title is "Orders"
    And the table has 3 rows
    And the table "Orders" has 3 rows
    And I do not see "Internal audit note"
    When I fill the field whose placeholder is "Customer" with "Ltd"
    And I select "Open" in the list named "status"
    And I click the button "Filter"
    Then the URL contains "status=open"
    And the URL is "/shop?q=Ltd&status=open"
    And the table has 1 row
    And the table has a row containing "ACME Ltd"
    And the table has no row containing "Globex"
    And the row containing "ACME" shows "29.97"

  @e2e
  Scenario: Fields by name, test id and label
    When I open the page "/shop"
    And I fill the field named "Reference" with "R-7"
    And I fill the field named "q" with "Initech"
    And I fill the field whose test id is "note-field" with "rush"
    And I select "Total" in "Sort by"
    And I check "Only overdue"
    Then I see "ref=R-7 note=rush sort=Total overdue=true"
    And the checkbox "Only overdue" is checked
    When I uncheck "Only overdue"
    Then the checkbox "Only overdue" is not checked
    And I see "overdue=false"
    When I click the button "Filter"
    Then the table has a row containing "Initech"
    When I click the link "Next page"
    Then the URL contains "page=2"

  @e2e
  Scenario: Too many rows
    When I open the page "/shop"
    Then the table has 5 rows

  @e2e
  Scenario: Text that shows
    When I open the page "/shop"
    Then I do not see "Globex"

  @e2e
  Scenario: Which table
    When I open the page "/two-tables"
    Then the table has 1 row
"""

BROWSER_ZH = """# language: zh-CN
功能: 订单页面
  @e2e
  场景: 按条件筛选
    当 我打开页面"/shop"
    那么 页面标题是"Orders"
    而且 表格有3行
    而且 表格"Orders"有 3 行
    而且 我看不到"Internal audit note"
    当 我在占位提示为"Customer"的输入框中填写"Ltd"
    而且 我在名为"status"的下拉框中选择"Open"
    而且 我在名为"Reference"的输入框中填写"R-7"
    而且 我在测试标识为"note-field"的输入框中填写"加急"
    而且 我在"Sort by"中选择"Total"
    而且 我勾选"Only overdue"
    那么 我看到"ref=R-7 note=加急 sort=Total overdue=true"
    而且 复选框"Only overdue"已勾选
    当 我取消勾选"Only overdue"
    那么 复选框"Only overdue"未勾选
    当 我点击按钮"Filter"
    那么 网址包含"status=open"
    而且 网址是"/shop?q=Ltd&status=open"
    而且 表格有1行
    而且 表格中有包含"ACME Ltd"的行
    而且 表格中没有包含"Globex"的行
    而且 包含"ACME"的行显示"29.97"
    当 我点击链接"Next page"
    那么 网址包含"page=2"
"""

HTTP_FEATURE = """Feature: API
  @integration
  Scenario: Orders API
    When I send a GET request to "/api/orders"
    Then the response status is 200
    And the response header "content-type" contains "application/json"
    And the response header "X-Request-Id" is "req-42"
    And the response field "data.items" has 2 items
    And the response field "data.items[0].name" is "ACME Ltd"
    And the response field "data.items.1.name" contains "Glob"
    And the response field "data.items[-1].name" is "Globex"
    And the response field "data.active" is "true"
    And the response arrives within 60000 ms

  @integration
  Scenario: Slow API
    When I send a GET request to "/api/slow"
    Then the response arrives within 100 ms

  @integration
  Scenario: Missing field
    When I send a GET request to "/api/orders"
    Then the response field "data.items[5].name" is "x"
"""

HTTP_ZH = """# language: zh-CN
功能: 接口
  @integration
  场景: 订单接口
    当 我向"/api/orders"发送GET请求
    那么 响应状态码是200
    而且 响应头"Content-Type"包含"json"
    而且 响应头"X-Request-Id"是"req-42"
    而且 响应字段"data.items"有2项
    而且 响应字段"data.items[1].name"是"Globex"
    而且 响应字段"data.items[0].name"包含"ACME"
    而且 响应包含"Globex"
    而且 响应在60000毫秒内返回
"""

# Failing checks wait for Playwright's expect timeout: a short one keeps the failures quick.
CONFTEST = """
from playwright.sync_api import expect

pytest_plugins = ["uatkit.steps.http", "uatkit.steps.browser"]
expect.set_options(timeout=1500)
"""


def test_browser_and_http_phrases_in_english_and_chinese(pytester: pytest.Pytester, server: str) -> None:
    pytester.makepyprojecttoml(
        '[tool.uatkit]\n\n[tool.pytest.ini_options]\naddopts = ["--strict-markers"]\n'
        'filterwarnings = ["ignore:Session-scoped fixtures defined as instance methods"]\n'
    )
    features = pytester.path / "features"
    for name, text in [
        ("browser.feature", BROWSER_EN),
        ("browser_zh.feature", BROWSER_ZH),
        ("http.feature", HTTP_FEATURE),
        ("http_zh.feature", HTTP_ZH),
    ]:
        write(features / name, text)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_all='from pytest_bdd import scenarios\nscenarios("features")\n')
    result = pytester.runpytest_subprocess("--base-url", server, "-p", "no:cacheprovider", "-v", "-rf")
    outcomes = {
        name: outcome for name, outcome in re.findall(r"::(test_\S+) (PASSED|FAILED)", result.stdout.str())
    }
    assert outcomes == {
        "test_filter_without_labels[e2e]": "PASSED",
        "test_fields_by_name_test_id_and_label[e2e]": "PASSED",
        "test_too_many_rows[e2e]": "FAILED",
        "test_text_that_shows[e2e]": "FAILED",
        "test_which_table[e2e]": "FAILED",
        "test_按条件筛选[e2e]": "PASSED",
        "test_orders_api[integration]": "PASSED",
        "test_slow_api[integration]": "FAILED",
        "test_missing_field[integration]": "FAILED",
        "test_订单接口[integration]": "PASSED",
    }, result.stdout.str()
    text = result.stdout.str()
    assert "to_have_count" in text or "have count" in text  # the row count failed in Playwright's expect
    assert 'the page has 2 tables: name the one you mean, e.g. the table "Orders" has 3 rows' in text
    assert re.search(r"the response took \d+ ms, more than 100 ms", text)
    assert "data.items[5].name: data.items has 2 items, no [5]" in text


def test_every_phrase_is_documented_and_matches_only_its_own_step() -> None:
    from pytest_bdd.steps import step_function_context_registry

    import uatkit.steps.browser
    import uatkit.steps.data
    import uatkit.steps.http  # noqa: F401 - registers the steps

    contexts = [
        context
        for context in step_function_context_registry.values()
        if str(getattr(context.step_func, "__module__", "")).startswith("uatkit.steps.")
    ]
    doc = (REPO / "docs" / "steps.md").read_text(encoding="utf-8")
    examples = re.findall(r"^\| `(?:Given|When|Then) ([^`]+)` \| `(?:假如|当|那么) ([^`]+)` \|", doc, re.M)
    assert len(examples) >= 30
    documented = {text for pair in examples for text in pair}
    for context in contexts:
        if str(getattr(context.step_func, "__module__", "")) == "uatkit.steps.data":
            continue
        template = context.parser.name
        matched = [text for text in documented if context.parser.is_matching(text)]
        assert matched, f"{template!r} has no example in docs/steps.md"
    for text in sorted(documented):
        # By name: a module imported again (another test's session) registers its steps again.
        owners = {c.step_func.__qualname__ for c in contexts if c.parser.is_matching(text)}
        assert len(owners) == 1, f"{text!r} is matched by {sorted(owners)}"


@pytest.mark.parametrize(
    ("template", "text", "values"),
    [
        ('我在"{label}"中填写"{value}"', "我在“姓名”中填写“安”", {"label": "姓名", "value": "安"}),
        ('我在"{label}"中填写"{value}"', '我在 "姓名" 中填写 ""', {"label": "姓名", "value": ""}),
        ("表格有{count:d}行", "表格有 12 行", {"count": 12}),
        (
            '我向"{path}"发送{method:w}请求，内容为：',
            '我向"/a"发送POST请求, 内容为:',
            {"path": "/a", "method": "POST"},
        ),
        (
            'I select "{option}" in "{label}"',
            'I select "Open" in "Status"',
            {"option": "Open", "label": "Status"},
        ),
        ('I select "{option}" in "{label}"', 'I select "Open" in the list named "status"', None),
        ("the table has {count:d} rows", "the table has 3 rowsx", None),
        ('I see "{text}"', 'I see "a "quoted" word"', None),
    ],
)
def test_a_phrase_reads_its_values(template: str, text: str, values: dict[str, object] | None) -> None:
    from uatkit.steps.phrases import phrase

    parser = phrase(template)
    assert parser.parse_arguments(text) == values
    assert parser.is_matching(text) is (values is not None)
