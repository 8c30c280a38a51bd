"""What `uatkit doctor` checks: what a QA project needs on this machine, and what to do when it is missing."""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, distribution, requires, version
from pathlib import Path

from uatkit.browsers import find_chromium, find_libreoffice
from uatkit.errors import UatkitError
from uatkit.project import Project, load_project
from uatkit.secrets import mask

log = logging.getLogger(__name__)

#: The oldest Node.js the pinned Allure 3 CLI runs on.
NODE_MAJOR = 20
NODE_HINT = (
    "install Node.js 20 or later: https://nodejs.org (Windows, macOS), or on Debian/Ubuntu NodeSource: "
    "curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs"
)
_EXTRA = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class Health(StrEnum):
    """How one check came out."""

    OK = "ok"
    MISSING = "missing"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Finding:
    """One row of the doctor's table: what was checked, how it came out, and what to do about it."""

    name: str
    health: Health
    found: str
    required: bool
    fix: str = ""

    @property
    def blocking(self) -> bool:
        """Return True when a required thing is not fine."""
        return self.required and self.health in (Health.MISSING, Health.FAILED)

    def as_dict(self) -> dict[str, object]:
        """Return the finding as JSON-ready data."""
        return {**asdict(self), "health": self.health.value}


def diagnose(root: Path | None) -> list[Finding]:
    """Check this machine and the project around `root` (None: the current folder)."""
    project, config_row = _config(root)
    rows = [_python(), _uatkit(), _node(), _allure(project), _browser(project), _libreoffice(), config_row]
    rows += [_ledger(project), _base_url(project)]
    return rows


def _python() -> Finding:
    shown = ".".join(str(n) for n in sys.version_info[:3])
    good = sys.version_info >= (3, 11)
    return Finding("Python", Health.OK if good else Health.FAILED, shown, True, "" if good else "use 3.11+")


def _uatkit() -> Finding:
    try:
        installed = version("uatkit")
        wanted = requires("uatkit") or []
    except PackageNotFoundError:
        return Finding("uatkit", Health.MISSING, "not installed", True, "pip install 'uatkit[all]'")
    extras: dict[str, bool] = {}
    for line in wanted:
        extra = _EXTRA.search(line)
        name = _NAME.match(line)
        if extra and name and extra.group(1) not in ("dev", "test"):
            extras[extra.group(1)] = extras.get(extra.group(1), True) and _installed(name.group(0))
    have = sorted(e for e, ok in extras.items() if ok)
    lack = sorted(e for e, ok in extras.items() if not ok)
    found = f"{installed}; extras installed: {', '.join(have) or 'none'}"
    found += f"; not installed: {', '.join(lack)}" if lack else ""
    fix = f"pip install 'uatkit[{','.join(lack)}]' for what they add" if lack else ""
    return Finding("uatkit and its extras", Health.OK, found, True, fix)


def _installed(name: str) -> bool:
    try:
        distribution(name)
    except PackageNotFoundError:
        return False
    return True


def _node() -> Finding:
    node = shutil.which("node")
    if not node:
        return Finding(f"Node.js >= {NODE_MAJOR}", Health.MISSING, "not on the PATH", True, NODE_HINT)
    found = _first_line([node, "--version"])
    major = re.match(r"v(\d+)", found)
    good = bool(major) and int(major.group(1) if major else 0) >= NODE_MAJOR
    health = Health.OK if good else Health.FAILED
    return Finding(
        f"Node.js >= {NODE_MAJOR}", health, f"{found or '?'} ({node})", True, "" if good else NODE_HINT
    )


def _allure(project: Project | None) -> Finding:
    name = "Allure CLI (the project's node_modules)"
    if project is None:
        return Finding(name, Health.SKIPPED, "no project", True, "run uatkit doctor in a QA project")
    package = project.config.root / "node_modules" / "allure" / "package.json"
    try:
        pinned = json.loads(package.read_text(encoding="utf-8")).get("version", "?")
    except (OSError, ValueError):
        return Finding(
            name, Health.MISSING, f"no {project.relative(package)}", True, "npm ci (in the project)"
        )
    return Finding(name, Health.OK, f"allure {pinned}", True)


def _browser(project: Project | None) -> Finding:
    found = find_chromium(project.config.browser if project else "")
    if found is None:
        fix = "for e2e checks: playwright install chromium, or install Chrome/Edge, or set UATKIT_BROWSER"
        return Finding("browser (e2e checks)", Health.MISSING, "none found", False, fix)
    kind = "Playwright's build" if found.playwright_build else "system"
    return Finding("browser (e2e checks)", Health.OK, f"{found.path} ({kind})", False)


def _libreoffice() -> Finding:
    found = find_libreoffice()
    if found is None:
        fix = "optional, to open packs as testers without Excel do: https://www.libreoffice.org"
        return Finding("LibreOffice (optional)", Health.MISSING, "not found", False, fix)
    return Finding("LibreOffice (optional)", Health.OK, found, False)


def _config(root: Path | None) -> tuple[Project | None, Finding]:
    try:
        project = load_project(root)
        project.catalogue  # noqa: B018 - reading the stories is part of "the config loads"
    except UatkitError as exc:
        fix = "fix the line named, or run uatkit init DIR for a new project"
        return None, Finding("config [tool.uatkit]", Health.FAILED, str(exc).splitlines()[0], True, fix)
    log.debug("doctor: project at %s", project.config.root)
    return project, Finding("config [tool.uatkit]", Health.OK, str(project.config.root), True)


def _ledger(project: Project | None) -> Finding:
    from uatkit.uat.ledger_backup import integrity
    from uatkit.uat.ledger_location import ledger_location, open_ledger

    if project is None:
        return Finding("UAT ledger", Health.SKIPPED, "no project", True)
    try:
        location = ledger_location(project)
        if isinstance(location, str):
            with open_ledger(project) as ledger:
                state, user = ledger.state(), ledger.db_user
            said = f"{location}: PostgreSQL, connected as database user {user}, {state.marks} marks"
            return Finding("UAT ledger", Health.OK, said, True)
    except UatkitError as exc:
        fix = "check [tool.uatkit.uat] ledger or UATKIT_LEDGER_URL; see docs/ledger.md"
        return Finding("UAT ledger", Health.FAILED, str(exc), True, fix)
    path = project.ledger_path
    if not path.exists():
        return Finding("UAT ledger", Health.OK, f"none yet ({project.relative(path)})", True)
    checked = integrity(path)
    if checked != "ok":
        fix = "restore the newest backup (uat.db.bak-*) beside it; see docs/uat.md"
        return Finding("UAT ledger", Health.FAILED, f"{project.relative(path)}: {checked}", True, fix)
    return Finding("UAT ledger", Health.OK, f"{project.relative(path)}: integrity ok", True)


def _base_url(project: Project | None) -> Finding:
    name = "base URL reachable"
    url = project.config.base_url if project else ""
    if not url:
        return Finding(name, Health.SKIPPED, "not configured (pytest --base-url, or the demo)", False)
    shown = mask(url)
    try:
        with urllib.request.urlopen(url, timeout=5):
            pass
    except urllib.error.HTTPError as exc:
        return Finding(name, Health.OK, f"{shown} answers (HTTP {exc.code})", False)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        fix = "start the system, or check the URL and the network (proxy, VPN)"
        return Finding(name, Health.FAILED, f"{shown}: {reason}", False, fix)
    return Finding(name, Health.OK, f"{shown} answers", False)


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = done.stdout.strip().splitlines()
    return lines[0].strip() if done.returncode == 0 and lines else ""
