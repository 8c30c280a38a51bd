"""`uatkit report`: shards merge into one results folder and one Allure report (the real Allure 3 CLI)."""

from __future__ import annotations

import base64
import json
import random
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO, write
from uatkit.allure import generate
from uatkit.allure.merge import (
    CATEGORIES_FILE,
    ENVIRONMENT_FILE,
    EXECUTOR_FILE,
    allure2_categories,
    merge_results,
    properties_text,
    read_properties,
)
from uatkit.allure.read import read_results
from uatkit.cli import app
from uatkit.config import load_config
from uatkit.errors import UatkitError

runner = CliRunner()
ALLURE_CLI = REPO / "node_modules" / "allure" / "package.json"
needs_allure = pytest.mark.skipif(
    shutil.which("npx") is None or not ALLURE_CLI.is_file(),
    reason="the Allure 3 CLI is not installed: Node.js with npm, then `npm ci` (make test does both)",
)


def result(
    folder: Path,
    history_id: str,
    status: str,
    *,
    stop: int = 1_000,
    layer: str = "integration",
    message: str = "",
    attachment: bytes | None = None,
) -> str:
    """Write one Allure result with allure-python-commons; return its attachment's file name, if any."""
    from allure_commons.logger import AllureFileLogger
    from allure_commons.model2 import ATTACHMENT_PATTERN, Attachment, Label, StatusDetails, TestResult

    logger: Any = AllureFileLogger(str(folder))
    source = ""
    attachments = []
    if attachment is not None:
        source = ATTACHMENT_PATTERN.format(prefix=uuid.uuid4(), ext="txt")
        logger.report_attached_data(body=attachment, file_name=source)
        attachments.append(Attachment(name="log", source=source, type="text/plain"))
    logger.report_result(
        TestResult(
            uuid=str(uuid.uuid4()),
            historyId=history_id,
            testCaseId=history_id,
            name=f"AC-1 {history_id} [{layer}]",
            status=status,
            statusDetails=StatusDetails(message=message or None),
            labels=[
                Label("epic", "Sales"),
                Label("feature", "REQ-1 Place an order"),
                Label("story", f"AC-1 {history_id}"),
                Label("layer", layer),
            ],
            attachments=attachments,
            start=stop - 10,
            stop=stop,
        )
    )
    return source


def statuses(folder: Path) -> dict[str, str]:
    """Return historyId → status of the results in a folder (retries collapsed)."""
    records, problems = read_results([folder])
    assert problems == []
    return {r.history_id: r.status for r in records}


def test_retries_collapse_to_the_latest_by_history_id(tmp_path: Path) -> None:
    a, b = tmp_path / "shard-a", tmp_path / "shard-b"
    result(a, "h1", "failed", stop=1_000)
    result(b, "h1", "passed", stop=2_000)  # the retry, run later on another machine
    result(a, "h2", "broken", stop=3_000)
    result(b, "h2", "passed", stop=2_500)  # earlier than h2's failure: superseded
    summary = merge_results([a, b], tmp_path / "merged", {}, None)
    assert (summary.results_in, summary.duplicates, summary.results_out) == (4, 2, 2)
    assert statuses(tmp_path / "merged") == {"h1": "passed", "h2": "broken"}
    assert len(list((tmp_path / "merged").glob("*-result.json"))) == 2
    assert summary.by_layer == {"integration": {"passed": 1, "broken": 1}}


def test_two_shards_of_one_run_merge_to_the_unsharded_results(tmp_path: Path) -> None:
    rng = random.Random(7)
    run = []  # one test run: 40 tests, some retried, in the order they finished
    for n in range(40):
        for attempt in range(rng.choice((1, 1, 2, 3))):
            run.append((f"case-{n}", rng.choice(("passed", "failed", "broken", "skipped")), n * 10 + attempt))
    for history_id, status, stop in run:
        result(tmp_path / "unsharded", history_id, status, stop=stop)
        # xdist or CI sharding: any attempt may land on either worker
        result(tmp_path / rng.choice(("shard-1", "shard-2")), history_id, status, stop=stop)
    whole = merge_results([tmp_path / "unsharded"], tmp_path / "merged-whole", {}, None)
    parts = merge_results([tmp_path / "shard-1", tmp_path / "shard-2"], tmp_path / "merged-parts", {}, None)
    assert statuses(tmp_path / "merged-parts") == statuses(tmp_path / "merged-whole")
    assert len(statuses(tmp_path / "merged-whole")) == 40
    assert (parts.results_out, parts.duplicates) == (whole.results_out, whole.duplicates)
    assert (whole.results_out, whole.duplicates) == (40, len(run) - 40)


def test_environment_keeps_every_shards_value_and_the_callers_fill_the_rest(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    result(a, "h1", "passed")
    result(b, "h2", "passed")
    write(a / ENVIRONMENT_FILE, "# CI job 1\nBrowser=chromium 131\nBase\\ URL = http://qa.example\n")
    write(b / ENVIRONMENT_FILE, "Browser: chromium 132\nBase\\ URL=http://qa.example\nOS Debian\\ 12\n")
    given = {"Base URL": "http://other", "Commit": "abc1234", "Application version": "", "Browser": "x"}
    summary = merge_results([a, b], tmp_path / "merged", given, None)
    assert read_properties(tmp_path / "merged" / ENVIRONMENT_FILE) == {
        "Base URL": "http://qa.example",  # what the runs recorded wins over the report machine's guess
        "Commit": "abc1234",
        "Browser": "chromium 131 | chromium 132",
        "OS": "Debian 12",
    }
    assert summary.environment_keys == 4


def test_properties_survive_a_round_trip_in_the_format_both_allures_read() -> None:
    values = {"Base URL": "http://a:8000/x?y=1", "a=b:c#d!": " leading", "浏览器": "中文 😀", "multi": "1\n2"}
    text = properties_text(values)
    assert text.isascii()  # Allure 2 reads .properties as ISO-8859-1; \u escapes read the same in both
    assert read_properties_text(text) == values


def read_properties_text(text: str) -> dict[str, str]:
    """Parse .properties text through a file, as merge_results reads shards."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ENVIRONMENT_FILE
        path.write_text(text, encoding="utf-8")
        return read_properties(path)


def test_java_properties_syntax_is_read() -> None:
    text = "! comment\n  key1 = one \\\n    two\nkey2:v2\nkey3 v3\nempty=\n\\u00e9t\\u00e9=summer\n"
    assert read_properties_text(text) == {
        "key1": "one two",
        "key2": "v2",
        "key3": "v3",
        "empty": "",
        "été": "summer",
    }


def test_executor_and_categories_are_written_once_in_place_of_the_shards(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        result(folder, f"h-{folder.name}", "passed")
        write(folder / EXECUTOR_FILE, '{"name": "Jenkins", "buildName": "shard"}')
        write(folder / CATEGORIES_FILE, '[{"name": "Shard category"}]')
    merge_results([a, b], tmp_path / "merged", {}, {"buildName": "commit abc1234", "reportName": "R1"})
    merged = tmp_path / "merged"
    executor = json.loads((merged / EXECUTOR_FILE).read_text(encoding="utf-8"))
    assert executor == {"name": "uatkit", "type": "uatkit", "buildName": "commit abc1234", "reportName": "R1"}
    categories = json.loads((merged / CATEGORIES_FILE).read_text(encoding="utf-8"))
    assert categories == allure2_categories()
    assert [c["name"] for c in categories] == ["System unavailable", "Product defects", "Test defects"]


def test_the_allure2_system_category_matches_a_whole_multiline_message() -> None:
    system = allure2_categories()[0]
    message = "requests.exceptions.ConnectionError: HTTPConnectionPool\n[Errno 111] Connection refused')"
    assert re.fullmatch(system["messageRegex"], message)  # Allure 2 matches the whole message
    assert not re.fullmatch(system["messageRegex"], "AssertionError: total 29.97 != 32.97")


def test_attachments_are_copied_and_still_referenced(tmp_path: Path) -> None:
    a = tmp_path / "a"
    superseded = result(a, "h1", "failed", stop=1_000, attachment=b"first try")
    kept = result(a, "h1", "passed", stop=2_000, attachment=b"second try")
    merge_results([a], tmp_path / "merged", {}, None)
    merged = tmp_path / "merged"
    (path,) = merged.glob("*-result.json")
    sources = [x["source"] for x in json.loads(path.read_text(encoding="utf-8"))["attachments"]]
    assert sources == [kept]
    assert (merged / kept).read_bytes() == b"second try"
    assert not (merged / superseded).exists()  # only the superseded retry pointed at it


def test_a_file_name_in_two_shards_with_different_content_is_a_clash(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    name = result(a, "h1", "passed", attachment=b"one")
    result(b, "h2", "passed")
    (b / name).write_bytes(b"two")
    shutil.copytree(a, tmp_path / "copy-of-a")  # the same files again: not a clash
    summary = merge_results([a, b, tmp_path / "copy-of-a"], tmp_path / "merged", {}, None)
    assert len(summary.clashes) == 1 and name in summary.clashes[0]
    assert (tmp_path / "merged" / name).read_bytes() == b"one"


def test_the_merged_folder_is_replaced_but_never_someone_elses(tmp_path: Path) -> None:
    a = tmp_path / "a"
    result(a, "h1", "passed")
    merged = tmp_path / "merged"
    merge_results([a], merged, {}, None)
    (merged / "stale-result.json").write_text("{}", encoding="utf-8")
    merge_results([a], merged, {}, None)
    assert not (merged / "stale-result.json").exists()
    foreign = tmp_path / "mine"
    write(foreign / "notes.txt", "keep me")
    with pytest.raises(UatkitError, match="uatkit did not make this folder"):
        merge_results([a], foreign, {}, None)
    with pytest.raises(UatkitError, match="cannot also be a results folder"):
        merge_results([a], a, {}, None)
    assert (foreign / "notes.txt").exists()


def uat_project(project: Path) -> Path:
    """Give a project automated and UAT results and the repository's Allure CLI."""
    results, uat = project / "reports" / "allure-results", project / "reports" / "uat-results"
    result(results, "ok", "passed", attachment=b"log")
    result(results, "assert", "failed", message="AssertionError: total 29.97 != 32.97")
    result(results, "down", "broken", message="ConnectionError: [Errno 111] Connection refused")
    result(results, "bug", "broken", message="KeyError: 'total'")
    result(uat, "uat-fail", "failed", layer="uat", message="The total shown was wrong")
    result(uat, "uat-blocked", "broken", layer="uat")
    (project / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    return project


def embedded(index: Path) -> dict[str, Any]:
    """Return the data files a single-file Allure 3 report embeds (base64 in `d("path","…")` calls)."""
    html = index.read_text(encoding="utf-8")
    found = re.findall(r'd\("([^"]+)","([A-Za-z0-9+/=]*)"\)', html)
    return {path: json.loads(base64.b64decode(data)) for path, data in found if path.endswith(".json")}


@needs_allure
def test_report_builds_one_single_file_allure_report_with_history(project: Path) -> None:
    uat_project(project)
    args = ["report", "-C", str(project), "--app-version", "2.4.1", "--base-url", "http://qa.example"]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "Allure report: reports/allure-report/index.html" in done.output
    assert re.search(r"uat\s+│\s+0\s+│\s+1\s+│\s+1", done.output)  # passed, failed, broken of UAT
    report = project / "reports" / "allure-report"
    assert not (report / "data").exists()  # single file: the data is inside index.html
    data = embedded(report / "index.html")
    environment = {e["name"]: e["values"] for e in data["widgets/allure_environment.json"]}
    assert environment["Application version"] == ["2.4.1"]
    assert environment["Base URL"] == ["http://qa.example"]
    nodes = data["widgets/categories.json"]["nodes"].values()
    categories = {n["name"]: n["statistic"]["total"] for n in nodes if n["type"] == "category"}
    assert categories == {
        "System unavailable": 1,
        "Rejected in UAT": 1,
        "Blocked in UAT": 1,
        "Product defects": 1,
        "Test defects": 1,
    }
    assert "googletagmanager" not in (report / "index.html").read_text(encoding="utf-8")

    # The same results reported again take the place of their report in the history: one point, not two.
    again = runner.invoke(app, [*args, "--no-single-file"])
    assert again.exit_code == 0, again.output
    history = project / "reports" / "allure-history.jsonl"
    assert len(history.read_text(encoding="utf-8").splitlines()) == 1
    trs = [json.loads(p.read_text(encoding="utf-8")) for p in (report / "data" / "test-results").glob("*")]
    assert trs and all(tr["history"] == [] for tr in trs)

    # New results are a new report: the history grows and each test remembers the earlier report.
    result(project / "reports" / "allure-results", "h9", "passed")
    third = runner.invoke(app, [*args, "--no-single-file"])
    assert third.exit_code == 0, third.output
    assert len(history.read_text(encoding="utf-8").splitlines()) == 2
    assert (report / "data" / "test-results").is_dir()
    trs = [json.loads(p.read_text(encoding="utf-8")) for p in (report / "data" / "test-results").glob("*")]
    remembered = [tr for tr in trs if tr["history"]]
    assert remembered and all(len(tr["history"]) == 1 for tr in remembered)


def test_report_needs_node(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result(project / "reports" / "allure-results", "h1", "passed")
    monkeypatch.setattr(generate.shutil, "which", lambda _name: None)
    done = runner.invoke(app, ["report", "-C", str(project)])
    assert done.exit_code == 2
    assert "error: Node.js (>= 20) with npm is needed to build the Allure report" in done.output
    assert "Traceback" not in done.output


@pytest.mark.skipif(shutil.which("npx") is None, reason="Node.js with npm is not installed")
def test_report_needs_the_pinned_allure_cli(project: Path) -> None:
    result(project / "reports" / "allure-results", "h1", "passed")
    done = runner.invoke(app, ["report", "-C", str(project)])
    assert done.exit_code == 2
    assert "run `npm ci` there (package.json pins the Allure CLI" in done.output
    assert "note: no reports/uat-results folder" in done.output
    assert "imported-results" not in done.output  # a default glob matching nothing is no news


@needs_allure
def test_a_failing_allure_cli_is_one_error_and_the_old_report_stays(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uat_project(project)
    write(project / "reports" / "allure-report" / "index.html", "the previous report")
    monkeypatch.setattr(generate, "allure_config", lambda **_: {"bogus": True})
    with pytest.raises(UatkitError) as caught:
        generate.generate_report(
            load_config(project),
            project / "reports" / "allure-results",
            project / "reports" / "allure-report",
            single_file=True,
            history=project / "reports" / "h.jsonl",
            name="x",
        )
    message = str(caught.value)
    assert message.startswith("the Allure CLI failed (exit code 1)")
    assert "unsupported fields: bogus" in message and "Unknown user config" not in message
    index = project / "reports" / "allure-report" / "index.html"
    assert index.read_text(encoding="utf-8") == "the previous report"
    assert sorted(p.name for p in (project / "reports").glob("*h.jsonl*")) == []  # no history, no staged copy


def test_results_options_take_globs_and_refuse_what_matches_nothing(project: Path) -> None:
    done = runner.invoke(app, ["report", "-C", str(project), "--results", "ci/shard-*"])
    assert done.exit_code == 2 and "error: --results ci/shard-*: no such folder" in done.output
    done = runner.invoke(app, ["report", "-C", str(project)])
    assert done.exit_code == 2 and "error: no results to report" in done.output


def test_a_result_file_of_the_wrong_shape_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "results"
    result(folder, "h1", "passed")
    (folder / "list-result.json").write_text("[]", encoding="utf-8")
    (folder / "start-result.json").write_text('{"start": "yesterday"}', encoding="utf-8")
    records, problems = read_results([folder])
    assert [r.history_id for r in records] == ["h1"]
    assert sorted(p.location.path.rpartition("/")[2] for p in problems) == [
        "list-result.json",
        "start-result.json",
    ]


def test_results_patterns_treat_the_project_folder_as_a_path(tmp_path: Path) -> None:
    from uatkit.allure.read import expand_folders

    root = tmp_path / "acme [v2]"
    (root / "reports" / "allure-results").mkdir(parents=True)
    assert expand_folders(root, ["reports/allure-*"]) == [root / "reports" / "allure-results"]


def test_defect_ids_from_spreadsheets_never_become_script_links() -> None:
    from uatkit.allure.mapping import case_links
    from uatkit.config import Config

    links = case_links(Config(root=Path(".")), "", ["DEF-1", "javascript:alert(1)", "https://bugs.example/2"])
    assert [url for url, _name, _kind in links] == ["DEF-1", "https://bugs.example/2"]


def write_deep_results(folder: Path) -> list[str]:
    """Write two results nested too deep: a bare 100,000-deep list and a result whose steps nest 300 deep."""
    (folder / "bomb-result.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    top: dict[str, Any] = {"uuid": "u", "historyId": "deep", "status": "passed", "steps": []}
    node = top
    for _ in range(300):
        node["steps"].append(child := {"name": "step", "steps": []})
        node = child
    (folder / "steps-result.json").write_text(json.dumps(top), encoding="utf-8")
    return ["bomb-result.json", "steps-result.json"]


def test_results_nested_too_deep_are_named_as_malformed_by_the_reader_and_merge(tmp_path: Path) -> None:
    folder = tmp_path / "results"
    result(folder, "h1", "passed")
    names = write_deep_results(folder)
    records, problems = read_results([folder])
    assert [r.history_id for r in records] == ["h1"]
    assert sorted(p.location.path.rpartition("/")[2] for p in problems) == names
    assert all("nests objects and lists more than 200 deep" in p.message for p in problems)
    summary = merge_results([folder], tmp_path / "merged", {}, None)
    assert sorted(Path(p.location.path).name for p in summary.problems) == names


@needs_allure
def test_trace_signoff_and_report_name_a_result_nested_too_deep(project: Path) -> None:
    uat_project(project)
    names = write_deep_results(project / "reports" / "allure-results")
    outputs = {}
    for command, code in (("trace", 0), ("signoff", 1), ("report", 0)):
        args = [command, "-C", str(project), *(["--no-write"] if command != "report" else [])]
        done = runner.invoke(app, args)
        assert done.exit_code == code, (command, done.output)
        assert "Traceback" not in done.output and "RecursionError" not in done.output
        outputs[command] = done.output
    for command in ("trace", "signoff", "report"):
        for name in names:
            line = f"{name}: not an Allure result: it nests objects and lists more than 200 deep"
            assert outputs[command].count(line) == 1, (command, outputs[command])
