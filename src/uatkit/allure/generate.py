"""Build the Allure Report 3 from merged results with the project's pinned Allure CLI (Node.js)."""

from __future__ import annotations

import hashlib
import mmap
import os
import re
import shutil
import subprocess
from contextlib import suppress
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from uatkit.allure.merge import allure3_categories, write_json
from uatkit.atomic import atomic_write_text, fresh_folder
from uatkit.config import Config, ReportConfig
from uatkit.errors import UatkitError
from uatkit.secrets import DEFAULT as DEFAULT_SECRETS
from uatkit.secrets import Secrets, mask, secret_rules

NODE_MISSING = (
    "Node.js (>= 20) with npm is needed to build the Allure report: apt-get install nodejs npm, "
    "then `npm ci` in the project"
)
#: The generated Allure configuration, beside the reports; the project's own allurerc.mjs is not used.
CONFIG_NAME = ".allurerc.generated.json"
TIMEOUT = 600
#: Reports kept in the history file; each adds its every result to a single-file report (~0.5 MB a run
#: for 200 tests), and a report to mail should stay well under the usual 20 MB limit.
HISTORY_LIMIT = 10
#: The history file is trimmed to its newest reports within this size: one report's entry grows with its
#: results (~0.9 KB a result), and Allure reads every entry kept into memory.
HISTORY_BYTES = 100 * 2**20
#: What the Allure CLI says when the single-file page passes what Node.js can hold in one string.
TOO_LARGE = "too large to be generated in the single file mode"
_TAIL = 15
_NOISE = re.compile(r"^npm warn Unknown (?:user|project|env) config.*$\n?", re.M | re.I)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Allure 3.18 always adds it (analyticsEnable is fixed to true); the report works the same without it.
_ANALYTICS = re.compile(
    rb'<script async src="https://www\.googletagmanager\.com/gtag/js[^"]*"></script>\s*'
    rb"<script>\s*window\.dataLayer.*?</script>",
    re.S,
)
_CHUNK = 1 << 24
#: CI variables naming the run, for the executor's build name and link (GitHub, GitLab, Jenkins).
_CI_RUNS = (("GITHUB_RUN_NUMBER", "run"), ("CI_PIPELINE_IID", "pipeline"), ("BUILD_NUMBER", "build"))


@dataclass(frozen=True)
class ReportSize:
    """What a report is built from: result files, and the bytes of every file read (history included)."""

    results: int
    bytes: int

    def __str__(self) -> str:
        return f"{self.results:,} results, {self.bytes / 2**20:,.0f} MB with attachments and history"


@dataclass(frozen=True)
class ReportMode:
    """One HTML file or a folder of files, and why when it is not what was asked for."""

    single_file: bool
    reason: str = ""


def measure_report(merged: Path, history: Path) -> ReportSize:
    """Return the size of the report to build from a merged results folder and the history file."""
    results = total = 0
    with os.scandir(merged) as entries:
        for entry in entries:
            if entry.is_file():
                total += entry.stat().st_size
                results += entry.name.endswith("-result.json")
    with suppress(FileNotFoundError):
        total += history.stat().st_size
    return ReportSize(results, total)


def choose_mode(size: ReportSize, report: ReportConfig, asked: bool | None) -> ReportMode:
    """Return the report's mode: one file only below the configured size; `asked` is --single-file's value.

    Above the limit the Allure CLI takes minutes and gigabytes and then fails ("too large to be generated
    in the single file mode"): a folder is written instead, saying why; an explicit --single-file is refused.
    """
    over = []
    if size.results > report.single_file_max_results:
        over.append(f"more than single_file_max_results = {report.single_file_max_results:,}")
    if size.bytes > report.single_file_max_mb * 2**20:
        over.append(f"more than single_file_max_mb = {report.single_file_max_mb:,}")
    wanted = report.single_file if asked is None else asked
    if not wanted or not over:
        return ReportMode(wanted)
    limits = f"{size}: {' and '.join(over)} ([tool.uatkit.report])"
    if asked:
        raise UatkitError(
            f"--single-file: the report is too large for one HTML file ({limits}); build a folder report "
            "with --no-single-file, or raise the limit in [tool.uatkit.report] if this machine can build it"
        )
    return ReportMode(False, f"a folder report, not a single file: {limits}")


def plan_report(config: Config, merged: Path, history: Path, asked: bool | None) -> ReportMode:
    """Trim the history file, measure what the report reads and choose its mode."""
    trim_history(history)
    return choose_mode(measure_report(merged, history), config.report, asked)


def trim_history(history: Path, limit: int = HISTORY_BYTES) -> int:
    """Keep the history file's newest reports within `limit` bytes (the newest always); return those dropped.

    The file is read a line at a time and its kept tail copied in chunks, so its size never matters.
    """
    try:
        size = history.stat().st_size
    except FileNotFoundError:
        return 0
    if size <= limit:
        return 0
    starts, position = [], 0
    with history.open("rb") as lines:
        for line in lines:
            if line.strip():
                starts.append(position)
            position += len(line)
    keep = next((n for n, start in enumerate(starts) if size - start <= limit), len(starts) - 1)
    if keep <= 0:
        return 0
    trimmed = history.with_name(f".{history.name}.tmp")
    with history.open("rb") as source, trimmed.open("wb") as target:
        source.seek(starts[keep])
        shutil.copyfileobj(source, target, _CHUNK)
    os.replace(trimmed, history)
    return keep


def generate_report(
    config: Config, merged: Path, output: Path, *, single_file: bool, history: Path, name: str
) -> Path:
    """Run `allure generate` on the merged results into `output`, keeping history; return index.html."""
    npx = _require_node()
    if not (config.root / "node_modules" / "allure" / "package.json").is_file():
        raise UatkitError(
            f"the Allure CLI is not installed in {config.root}: run `npm ci` there "
            "(package.json pins the Allure CLI; a project without one: `npm install --save-dev allure@3`)"
        )
    settings = config.root / config.report.folder / CONFIG_NAME
    history.parent.mkdir(parents=True, exist_ok=True)
    sources = results_digest(merged)
    # Allure appends one entry to a copy of the history; the copy replaces the history only when the report
    # is written, so a failed report leaves the history as it was.
    staged = history.with_name(f".{history.name}.new")
    stage_history(history, staged, sources)
    # An earlier report (by uatkit or by hand) is replaced whole: single-file and folder reports differ.
    try:
        with fresh_folder(output, lambda folder: (folder / "index.html").is_file()) as work:
            config_text = allure_config(name=name, output=work, history=staged, single_file=single_file)
            write_json(settings, config_text)
            command = [npx, "--no-install", "allure", "generate", str(merged.resolve()), "-o", str(work)]
            try:
                shown = _run([*command, "--config", str(settings)], config.root)
            except UatkitError as failed:
                if single_file and TOO_LARGE in str(failed):
                    size = measure_report(merged, history)
                    raise UatkitError(
                        f"the Allure CLI cannot write this report as one HTML file ({size}): "
                        "build a folder report with --no-single-file, or lower [tool.uatkit.report] "
                        "single_file_max_results / single_file_max_mb so that `uatkit report` does"
                    ) from None
                raise
            index = work / "index.html"
            if not index.is_file():
                raise UatkitError(f"the Allure CLI wrote no index.html:\n{shown}")
            _drop_analytics(index)
        commit_history(history, staged, sources)
    finally:
        staged.unlink(missing_ok=True)
    return output / "index.html"


def results_digest(merged: Path) -> str:
    """Return a digest of the merged results a report is built from: each result and container by name,
    size and modification time (merged files are links to, or copies keeping the times of, their sources,
    so a result written again, or a new one, changes it), and the environment by content."""
    digest = hashlib.sha256()
    for path in sorted(merged.iterdir(), key=lambda p: p.name):
        if path.name.endswith(("-result.json", "-container.json")):
            info = path.stat()
            digest.update(f"{path.name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        elif path.name == "environment.properties":
            digest.update(path.read_bytes() + b"\n")
    return f"sha256:{digest.hexdigest()}"


def _sources_file(history: Path) -> Path:
    """Return the file beside the history naming the results its newest report was built from."""
    return history.with_name(f"{history.name}.sources")


def stage_history(history: Path, staged: Path, sources: str) -> bool:
    """Copy the history to `staged` for Allure to append to; return True when its newest report was built
    from the same results (`sources`), which is then left out of the copy: the new report takes its place,
    so a report built again from the same results adds no second point to the trend."""
    staged.unlink(missing_ok=True)
    if not history.is_file():
        return False
    recorded = _sources_file(history)
    same = recorded.is_file() and recorded.read_text(encoding="utf-8").strip() == sources
    with history.open("rb") as source, staged.open("wb") as target:
        lines = [line for line in source if line.strip()]
        target.writelines(lines[:-1] if same else lines)
    return same


def commit_history(history: Path, staged: Path, sources: str) -> None:
    """Put Allure's appended copy of the history in place; record which results its newest report read."""
    if not staged.is_file():
        return
    os.replace(staged, history)
    atomic_write_text(_sources_file(history), sources + "\n")


def allure_config(*, name: str, output: Path, history: Path, single_file: bool) -> dict[str, Any]:
    """Return the Allure 3 configuration: report name, history file, defect categories, awesome report."""
    return {
        "name": name,
        "output": str(output.resolve()),
        "historyPath": str(history.resolve()),
        "historyLimit": HISTORY_LIMIT,
        "categories": {"rules": allure3_categories()},
        "plugins": {
            "awesome": {
                "options": {
                    "singleFile": single_file,
                    "reportName": name,
                    "groupBy": ["epic", "feature", "story"],
                }
            }
        },
    }


def report_name(config: Config, name: str | None = None) -> str:
    """Return the report's title: given, configured, the UAT project's name, or the project folder's."""
    return name or config.report.name or config.project_name


def report_environment(
    config: Config, *, commit: str, base_url: str = "", app_version: str = ""
) -> dict[str, str]:
    """Return what the report's machine knows of the environment: base URL, version, browser, commit."""
    if not base_url and not config.base_url and config.demo:
        base_url = "bundled demo, started by pytest"
    return mask(
        {
            "Base URL": base_url or config.base_url,
            "Application version": app_version,
            "Commit": commit,
            "uatkit": uatkit_version(),
        },
        secret_rules(config.secrets.fields, config.secrets.env),
    )


def report_executor(name: str, commit: str, secrets: Secrets = DEFAULT_SECRETS) -> dict[str, str]:
    """Return the executor (who built the report): uatkit, the CI run and commit, and the report name.

    CI variables are masked: a Jenkins BUILD_URL may carry a user and an API token.
    """
    label = next((f"{word} {os.environ[key]}" for key, word in _CI_RUNS if os.environ.get(key)), "")
    build = ", ".join(filter(None, (label, f"commit {commit}" if commit else ""))) or "local run"
    url = os.environ.get("BUILD_URL") or os.environ.get("CI_PIPELINE_URL") or _github_run_url()
    found = {"name": "uatkit", "type": "uatkit", "buildName": build, "buildUrl": url, "reportName": name}
    return mask({key: value for key, value in found.items() if value}, secrets)


def uatkit_version() -> str:
    """Return the installed uatkit's version."""
    try:
        return version("uatkit")
    except PackageNotFoundError:
        return ""


def clean_output(text: str) -> str:
    """Drop colour codes and npm's warnings about its own settings from the CLI's output."""
    return _NOISE.sub("", _ANSI.sub("", text)).strip()


def _drop_analytics(index: Path) -> None:
    """Remove the Google Analytics tag Allure 3's report page carries: a client's report calls no one.

    A single-file page holds the whole report (hundreds of MB): it is searched in place and rewritten in
    chunks, never read into memory whole.
    """
    if index.stat().st_size == 0:
        return
    with index.open("rb") as page, mmap.mmap(page.fileno(), 0, access=mmap.ACCESS_READ) as html:
        found = _ANALYTICS.search(html)
        if found is None:
            return
        stripped = index.with_name(f".{index.name}.tmp")
        with stripped.open("wb") as out:
            out.write(html[: found.start()])
            for start in range(found.end(), len(html), _CHUNK):
                out.write(html[start : start + _CHUNK])
    os.replace(stripped, index)


def _require_node() -> str:
    node, npx = shutil.which("node"), shutil.which("npx")
    if not node or not npx:
        raise UatkitError(NODE_MISSING)
    found = _quiet([node, "--version"], None)
    major = re.match(r"v(\d+)", found)
    if major and int(major.group(1)) < 20:
        raise UatkitError(f"{NODE_MISSING} (found Node.js {found})")
    return npx


def _run(command: list[str], cwd: Path) -> str:
    # The Allure CLI reads CI variables itself (Jenkins' BUILD_URL, GitLab's CI_JOB_URL) into the report:
    # a URL in the environment goes to it with its user, password and secret query values masked.
    masked = {key: mask(value) if "://" in value else value for key, value in os.environ.items()}
    environment = {**masked, "NO_COLOR": "1", "FORCE_COLOR": "0"}
    try:
        done = subprocess.run(
            command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise UatkitError(f"the Allure CLI did not finish within {TIMEOUT} s: {' '.join(command)}") from None
    except OSError as exc:
        raise UatkitError(f"cannot run the Allure CLI ({exc}); {NODE_MISSING}") from None
    shown = "\n".join(clean_output(done.stdout + "\n" + done.stderr).splitlines()[-_TAIL:])
    if done.returncode != 0:
        raise UatkitError(f"the Allure CLI failed (exit code {done.returncode}):\n{shown}")
    return shown


def _quiet(command: list[str], cwd: Path | None) -> str:
    """Return a helper command's first output line, or "" when it is missing or fails."""
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = done.stdout.strip().splitlines()
    return lines[0].strip() if done.returncode == 0 and lines else ""


def _github_run_url() -> str:
    parts = [os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")]
    return f"{parts[0]}/{parts[1]}/actions/runs/{parts[2]}" if all(parts) else ""
