"""The requirements specification for signature: escaped HTML grouped by module, a text-only workbook that
LibreOffice reads back, and a real PDF (pdftotext) in English and Chinese.

PNGs of both languages are saved under reports/screenshots/ for people to look at.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import REPO, write
from tests.uat_helpers import convert_with_libreoffice
from uatkit.browsers import find_chromium
from uatkit.config import Config, load_config
from uatkit.documents.pdf import html_to_pdf, html_to_png
from uatkit.documents.specification import SpecMeta, specification_html, write_specification
from uatkit.documents.workbook import specification_workbook
from uatkit.errors import UatkitError
from uatkit.model import Catalogue, PackLanguage
from uatkit.stories import load_catalogue

SHOTS = REPO / "reports" / "screenshots"
META = SpecMeta(
    project="Demo shop",
    baseline="v1.0",
    approved_by="Jane Client",
    approved_on=dt.date(2025, 3, 1),
    commit="f24f97d",
    client="ACME Ltd",
    vendor="Builder & Co",
)
needs_browser = pytest.mark.skipif(find_chromium() is None, reason="no Chromium (apt-get install chromium)")
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext is not installed (apt-get install poppler-utils)"
)

HOSTILE = """
    ---
    id: REQ-9
    module: Security <b>bold</b>
    priority: could
    owner: =HYPERLINK("http://evil")
    ---
    # <script>alert(1)</script>

    ## AC-1 =1+1
    The page shows <img src=x onerror=alert(2)> as text.
    """
CHINESE = {
    "REQ-1.md": """
        ---
        id: REQ-1
        module: 库存
        priority: must
        owner: 仓库主管
        language: zh-CN
        ---
        # 下单时检查库存

        作为销售员
        我想要在下单时看到库存是否足够
        以便不会卖出没有的货

        ## AC-1 库存足够时订单确认
        假如 产品 "保温杯" 库存 10
        当 我下单 3 件 "保温杯"
        那么 订单状态为 "已确认"

        ## AC-2 库存显示清楚
        库存数量显示在产品名称旁边，并注明单位。
        """,
    "REQ-2.md": """
        ---
        id: REQ-2
        module: 报表
        priority: should
        owner: 财务部
        language: zh-CN
        ---
        # 按产品统计销量

        ## AC-1 报表按产品列出销量
        假如 已确认以下订单:
          | 产品 | 数量 |
          | 保温杯 | 2 |
        当 我打开销售报表
        那么 报表显示 "保温杯" 售出 2 件
        """,
}


@pytest.fixture(scope="module")
def repo_catalogue() -> Catalogue:
    """Return the catalogue of the repository's own stories (English and Chinese, four modules)."""
    return load_catalogue(load_config(REPO))


def _catalogue(root: Path, stories: dict[str, str]) -> Catalogue:
    for name, text in stories.items():
        write(root / "stories" / name, text)
    return load_catalogue(Config(root=root))


def test_html_groups_every_requirement_under_its_module(repo_catalogue: Catalogue) -> None:
    page = specification_html(repo_catalogue, META)
    ids = [story.id for story in repo_catalogue.stories]
    assert re.findall(r'<section class="req" id="([^"]+)"', page) == ids  # each once, in catalogue order
    for story in repo_catalogue.stories:
        assert f'id="{story.id}" data-module="{story.module}"' in page
        for criterion in story.criteria:
            assert f'id="{story.case_id(criterion)}"' in page
    headings = re.findall(r'<h2 class="module" id="module-\d+">([^<]+)</h2>', page)
    assert headings == list(dict.fromkeys(story.module for story in repo_catalogue.stories))
    assert "Signatures" in page and "Builder &amp; Co" in page and "ACME Ltd" in page


def test_summary_counts_requirements_and_criteria_by_module(repo_catalogue: Catalogue) -> None:
    page = specification_html(repo_catalogue, META)
    total = re.search(r'<tr class="total">(.*?)</tr>', page, re.S)
    assert total is not None
    numbers = [int(n) for n in re.findall(r'<td class="n">(\d+)</td>', total.group(1))]
    criteria = sum(len(s.criteria) for s in repo_catalogue.stories)
    assert numbers[:2] == [len(repo_catalogue.stories), criteria]
    assert sum(numbers[2:]) == criteria  # every criterion is counted under exactly one priority


def test_story_text_stays_text_in_the_html(tmp_path: Path) -> None:
    page = specification_html(_catalogue(tmp_path, {"REQ-9.md": HOSTILE}), META)
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "Security &lt;b&gt;bold&lt;/b&gt;" in page and "=1+1" in page


def test_story_text_stays_text_in_the_workbook(tmp_path: Path) -> None:
    path = tmp_path / "spec.xlsx"
    specification_workbook(_catalogue(tmp_path, {"REQ-9.md": HOSTILE}), META).save(path)
    _assert_text_cells(path)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_the_workbook_back_as_text(tmp_path: Path) -> None:
    path = tmp_path / "spec.xlsx"
    specification_workbook(_catalogue(tmp_path, {"REQ-9.md": HOSTILE}), META).save(path)
    _assert_text_cells(convert_with_libreoffice(path, tmp_path / "lo"))


def _assert_text_cells(path: Path) -> None:
    book = load_workbook(path)
    sheet = book["Requirements"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Module", "ID", "Requirement"]
    module, rid, title, priority, owner, aid, text = rows[1]
    assert (module, rid, priority) == ("Security <b>bold</b>", "REQ-9", "Could")
    assert title == "<script>alert(1)</script>"
    assert owner == '=HYPERLINK("http://evil")' and aid == "AC-1"
    assert text.startswith("=1+1\n")
    for row in sheet.iter_rows():
        assert all(cell.data_type in ("s", "n") for cell in row), "a story's text became a formula"
    assert book["Signatures"]["A1"].value == "Requirements specification"


def test_workbook_lists_every_criterion_with_shared_styles(repo_catalogue: Catalogue, tmp_path: Path) -> None:
    book = specification_workbook(repo_catalogue, META)
    sheet = book["Requirements"]
    listed = [(row[1].value, row[5].value) for row in sheet.iter_rows(min_row=2)]
    assert listed == [(s.id, c.id) for s in repo_catalogue.stories for c in s.criteria]
    # Named styles are registered once and shared, not one style a cell.
    assert {cell.style for row in sheet.iter_rows(min_row=2) for cell in row} == {"uat-locked"}
    assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage
    # LibreOffice's headless conversion drops view settings, so the frozen header is checked here only.
    assert sheet.freeze_panes == "C2" and sheet.print_title_rows == "$1:$1"


@needs_browser
@needs_pdftotext
def test_pdf_holds_every_requirement_id(repo_catalogue: Catalogue, tmp_path: Path) -> None:
    paths = write_specification(repo_catalogue, META, tmp_path)
    assert [p.name for p in paths] == [f"specification-v1-0.{ext}" for ext in ("html", "xlsx", "pdf")]
    text = _pdf_text(paths[2])
    for story in repo_catalogue.stories:
        assert story.id in text
    assert "Requirements specification" in text and "1 / " in text  # the running header and page numbers
    html_to_png(paths[0].read_text(encoding="utf-8"), SHOTS / "specification-en.png")


@needs_browser
@needs_pdftotext
def test_chinese_specification_prints_chinese(tmp_path: Path) -> None:
    catalogue = _catalogue(tmp_path, CHINESE)
    paths = write_specification(catalogue, META, tmp_path / "out")
    page = paths[0].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page  # auto: every story is Chinese
    text = _pdf_text(paths[2])
    for wanted in ("需求规格说明书", "下单时检查库存", "按产品统计销量", "客户", "供应商", "签字", "日期"):
        assert wanted in text
    assert "REQ-1" in text and "REQ-2" in text
    assert load_workbook(paths[1]).sheetnames == ["需求", "签字"]
    html_to_png(page, SHOTS / "specification-zh-CN.png")


@needs_browser
def test_png_and_pdf_print_from_inside_a_running_asyncio_loop(tmp_path: Path) -> None:
    # Playwright's sync API refuses a thread that runs a loop: an async caller, or pytest-playwright's page.
    async def inside() -> tuple[Path, Path]:
        page = "<!DOCTYPE html><html><body><p>变更影响报告</p></body></html>"
        return html_to_png(page, tmp_path / "a.png"), html_to_pdf(page, tmp_path / "a.pdf")

    # A thread of the test's own: the process may run pytest-playwright's loop already.
    with ThreadPoolExecutor(max_workers=1) as pool:
        png, pdf = pool.submit(lambda: asyncio.run(inside())).result()
    assert png.read_bytes().startswith(b"\x89PNG") and pdf.read_bytes().startswith(b"%PDF")


def test_language_can_be_chosen(tmp_path: Path) -> None:
    catalogue = _catalogue(tmp_path, CHINESE)
    page = specification_html(catalogue, SpecMeta("p", "b", language=PackLanguage.EN))
    assert '<html lang="en">' in page and "Requirements specification" in page


def test_no_browser_names_what_to_install_and_the_html_to_print(
    repo_catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A machine without any Chromium: the browser finder finds nothing on an empty PATH.
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("UATKIT_BROWSER", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "none"))
    with pytest.raises(UatkitError) as error:
        write_specification(repo_catalogue, META, tmp_path)
    message = str(error.value)
    assert "needs a Chromium" in message and "specification-v1-0.html was written" in message
    assert (tmp_path / "specification-v1-0.html").is_file()
    assert (tmp_path / "specification-v1-0.xlsx").is_file()
    assert not (tmp_path / "specification-v1-0.pdf").exists()


def _pdf_text(pdf: Path) -> str:
    assert pdf.read_bytes().startswith(b"%PDF-")
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout
