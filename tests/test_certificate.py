"""The acceptance certificate (`uatkit signoff --certificate`) and the specification `uatkit baseline create`
writes beside the baseline (issue 13, items 1 and 6): refused without a current GO record, a real PDF
(pdftotext) naming every requirement, the evidence set and the baseline, in English and Chinese.

PNGs of both languages are saved under reports/screenshots/ for people to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from tests.conftest import write
from tests.test_documents import SHOTS, _pdf_text, needs_browser, needs_pdftotext
from tests.test_evidence import evidence_project, invoke, run  # noqa: F401  (the fixture)
from uatkit.allure.merge import MANIFEST_FILE
from uatkit.documents.pdf import html_to_png
from uatkit.trace.evidence import read_manifest

HOSTILE = """
---
id: REQ-2
module: Security <b>bold</b>
priority: could
owner: =HYPERLINK("http://evil")
---
# <script>alert(1)</script>

## AC-1 =1+1
The page shows <img src=x onerror=alert(2)> as text.
"""
CHINESE = """
---
id: REQ-3
module: 库存
priority: should
owner: 仓库主管
language: zh-CN
---
# 下单时检查库存

## AC-1 库存显示清楚
库存数量显示在产品名称旁边，并注明单位。
"""


def reported(project: Path, status: str = "passed", stop: int = 1_700_000_000_000) -> str:
    """Write a run into the raw results, let `uatkit report` declare the set; return its manifest ID."""
    run(project / "reports" / "allure-results", status, stop=stop)
    done = invoke("report", "-C", str(project))
    assert done.exit_code == 0, done.output
    manifest = read_manifest(project / "reports" / "merged-results" / MANIFEST_FILE)
    assert manifest is not None
    return manifest.id


def certificate(project: Path, *args: str) -> tuple[int, str]:
    done = invoke("signoff", "-C", str(project), "--certificate", *args)
    assert "Traceback" not in done.output
    return done.exit_code, done.output


def files(project: Path) -> list[Path]:
    return sorted((project / "reports").glob("acceptance-certificate.*"))


def test_no_certificate_without_a_recorded_signoff(evidence_project: Path) -> None:  # noqa: F811
    reported(evidence_project)
    code, output = certificate(evidence_project)
    assert code == 2
    assert (
        "error: no acceptance certificate: no sign-off is recorded for this release: record one first with "
        "`uatkit signoff --record --by NAME`"
    ) in output
    assert files(evidence_project) == []


def test_no_certificate_on_a_recorded_no_go(evidence_project: Path) -> None:  # noqa: F811
    reported(evidence_project, "failed")
    recorded = invoke("signoff", "-C", str(evidence_project), "--record", "--by", "Bob")
    assert recorded.exit_code == 1 and "recorded sign-off 1: NO-GO by Bob" in recorded.output
    code, output = certificate(evidence_project)
    assert code == 2 and "is NO-GO, and a certificate of acceptance cannot rest on NO-GO" in output
    assert files(evidence_project) == []


def test_no_certificate_on_a_superseded_record(evidence_project: Path) -> None:  # noqa: F811
    reported(evidence_project)
    assert invoke("signoff", "-C", str(evidence_project), "--record", "--by", "Ann").exit_code == 0
    newer = reported(evidence_project, stop=1_700_000_600_000)
    code, output = certificate(evidence_project)
    assert code == 2
    assert "the last recorded sign-off 1 (GO by Ann) does not rest on the current evidence" in output
    assert f"newer results: evidence set {newer}" in output and "record one first with" in output
    assert files(evidence_project) == []


def test_certificate_options_go_with_certificate(evidence_project: Path) -> None:  # noqa: F811
    done = invoke("signoff", "-C", str(evidence_project), "--lang", "zh-CN")
    assert done.exit_code == 2 and "--lang, --client and --vendor go with --certificate" in done.output
    done = invoke("signoff", "-C", str(evidence_project), "--history", "--certificate")
    assert done.exit_code == 2 and "--history lists the records" in done.output


@needs_browser
@needs_pdftotext
def test_certificate_names_the_scope_the_evidence_and_every_requirement(
    evidence_project: Path,  # noqa: F811
) -> None:
    project = evidence_project
    write(project / "stories" / "REQ-2.md", HOSTILE)
    write(project / "stories" / "REQ-3.md", CHINESE)
    assert invoke("generate", "-C", str(project)).exit_code == 0
    # The baseline, and the specification to sign beside it.
    created = invoke(
        "baseline", "create", "R1", "--approved-by", "Jane Client", "--date", "2026-01-05",
        "--client", "ACME Ltd", "--vendor", "Builder & Co", "-C", str(project), "--format", "json",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    documents = json.loads(created.stdout)["documents"]
    assert documents == [f"baselines/specification-r1.{ext}" for ext in ("html", "xlsx", "pdf")]
    specification = _pdf_text(project / "baselines" / "specification-r1.pdf")
    assert all(ident in specification for ident in ("REQ-1", "REQ-2", "REQ-3"))
    # A change approved after the baseline is part of the scope the certificate states.
    assert invoke(
        "change", "new", "--title", "Orders by phone", "--changes", "REQ-1", "--reason", "Call centre",
        "--requested-by", "Jane", "--date", "2026-01-10", "-C", str(project),
    ).exit_code == 0  # fmt: skip
    approved = invoke(
        "change", "approve", "CR-1", "--by", "Jane Client", "--date", "2026-01-12", "-C", str(project)
    )
    assert approved.exit_code == 0, approved.output

    evidence = reported(project)
    assert invoke("signoff", "-C", str(project), "--record", "--by", "Ann Lee").exit_code == 0
    code, output = certificate(project, "--client", "ACME Ltd", "--vendor", "Builder & Co")
    assert code == 0, output
    said = output.replace("\n", "")
    shown = "reports/acceptance-certificate.html, reports/acceptance-certificate.pdf"
    assert f"acceptance certificate: {shown}" in said
    html = (project / "reports" / "acceptance-certificate.html").read_text(encoding="utf-8")
    text = _pdf_text(project / "reports" / "acceptance-certificate.pdf")
    for expected in ("Acceptance certificate", "REQ-1", "REQ-2", "REQ-3", evidence, "R1", "Jane Client"):
        assert expected in text, expected
    assert "CR-1" in text and "Orders by phone" in text and "2026-01-12" in text
    assert "Ann Lee" in text and "GO" in text and "2.4.1 (build 77)" in text and "abc1234" in text
    assert "No open failures." in text and re.search(r"Client\s", text) and "ACME Ltd" in text
    # Hostile story text stays text.
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "<b>bold" not in html
    assert "<script>alert(1)</script>" in text
    html_to_png(html, SHOTS / "certificate-en.png")

    code, output = certificate(project, "--lang", "zh-CN", "--client", "甲方公司", "--vendor", "乙方公司")
    assert code == 0, output
    chinese = _pdf_text(project / "reports" / "acceptance-certificate.pdf")
    assert "验收证书" in chinese and "基线" in chinese and evidence in chinese and "REQ-3" in chinese
    zh_html = (project / "reports" / "acceptance-certificate.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in zh_html
    html_to_png(zh_html, SHOTS / "certificate-zh-CN.png")


def test_without_a_baseline_the_certificate_says_so(evidence_project: Path) -> None:  # noqa: F811
    evidence = reported(evidence_project)
    assert invoke("signoff", "-C", str(evidence_project), "--record", "--by", "Ann").exit_code == 0
    # Only the HTML is read here: the certificate is written before the PDF is printed.
    invoke("signoff", "-C", str(evidence_project), "--certificate")
    html = (evidence_project / "reports" / "acceptance-certificate.html").read_text(encoding="utf-8")
    assert "No requirements baseline was created" in html and evidence in html
    assert 'data-state="current"' in html


def test_baseline_create_without_a_browser_keeps_the_baseline_and_says_how_to_print(
    evidence_project: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A machine without any Chromium: the browser finder finds nothing on an empty PATH.
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("UATKIT_BROWSER", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "none"))
    done = invoke("baseline", "create", "R1", "--approved-by", "Jane", "-C", str(evidence_project))
    assert done.exit_code == 0, done.output
    folder = evidence_project / "baselines"
    assert sorted(p.name for p in folder.iterdir()) == [
        "R1.json",
        "specification-r1.html",
        "specification-r1.xlsx",
    ]
    said = " ".join(done.output.split())
    assert "warning: the specification's PDF was not written (baselines/specification-r1.html and " in said
    assert "needs a Chromium" in said and "open it in a browser and print it to PDF" in said
    # A second baseline whose name the file name folds alike never replaces the first one's documents.
    page = (folder / "specification-r1.html").read_bytes()
    later = (dt.date.today() + dt.timedelta(days=1)).isoformat()  # one baseline a day: a later approval
    other = invoke(
        "baseline", "create", "r1", "--approved-by", "Jane", "--date", later, "-C", str(evidence_project)
    )
    assert other.exit_code == 0 and (folder / "r1.json").is_file()
    assert "were not replaced: they print another baseline" in " ".join(other.output.split())
    assert (folder / "specification-r1.html").read_bytes() == page
