"""A synthetic QA project with exported, signed and filled UAT packs, for the UAT benchmarks.

Stories come from `generate.story_markdown`, features from `uatkit generate`, packs from uatkit's own
writer with every row filled (one in twelve Fail with an actual result and a defect ID, the rest Pass),
signed with the ledger's project key and registered in it as `uatkit uat export` does; the UAT results
are written once after the export, as the export writes them (every case awaiting UAT).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from generate import story_markdown
from uatkit.atomic import atomic_write_bytes
from uatkit.cli import app
from uatkit.model import Case, Mark, Status
from uatkit.project import load_project
from uatkit.uat.ledger import Ledger
from uatkit.uat.pack import PackInfo
from uatkit.uat.results import update_results
from uatkit.uat.workbook import build_signed_pack

PYPROJECT = """[project]
name = "bench"
version = "0"

[tool.uatkit]
stories = ["stories"]

[tool.uatkit.uat]
select = ["all"]
"""


@dataclass(frozen=True)
class Exported:
    """A project after `uat export`: its packs, and copies of its ledger and UAT results to start from."""

    root: Path
    packs: list[Path]
    ledger: Path
    results: Path


def build(root: Path, packs: int, rows: int) -> Exported:
    """Write a project of at least `packs * rows` cases and `packs` filled packs of `rows` rows each."""
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    rng = random.Random(1)
    # A story of five criteria gives eight cases (an outline of four rows, one manual criterion).
    for number in range(1, packs * rows // 8 + 2):
        folder = root / "stories" / f"module-{number % 8}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"REQ-{number}.md").write_text(story_markdown(rng, number, 5), encoding="utf-8")
    made = CliRunner().invoke(app, ["generate", "-C", str(root)])
    assert made.exit_code == 0, made.output
    project = load_project(root)
    cases = list(project.cases)[: packs * rows]
    assert len(cases) == packs * rows, len(cases)
    marks = filled_marks(cases, dt.date(2026, 11, 20))
    paths = []
    (root / "returned").mkdir()
    with Ledger.open(project.ledger_path) as book:
        seals = book.seals
        for n in range(packs):
            chunk = cases[n * rows : (n + 1) * rows]
            info = PackInfo(
                f"R1-pack-{n:02d}", "R1", f"pack {n}", "Owner", "en", "bench", dt.datetime(2026, 11, 1)
            )
            path = root / "returned" / f"R1-pack-{n:02d}.xlsx"
            data, signed = build_signed_pack(info, chunk, marks, {}, key=seals.key())
            assert signed is not None
            atomic_write_bytes(path, data)
            book.register_pack(signed.info, signed.rows)
            seals.register(signed)
            paths.append(path)
        update_results(project, book)
    ledger = root / "exported.db"
    shutil.copyfile(project.ledger_path, ledger)
    results = root / "exported-results"
    shutil.copytree(project.uat_results, results)
    return Exported(root, paths, ledger, results)


def restore(exported: Exported) -> None:
    """Put the ledger and UAT results back as the export left them."""
    project = load_project(exported.root)
    for suffix in ("-wal", "-shm"):
        Path(f"{project.ledger_path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(exported.ledger, project.ledger_path)
    shutil.rmtree(project.uat_results)
    shutil.copytree(exported.results, project.uat_results)


def filled_marks(cases: Sequence[Case], day: dt.date) -> dict[str, Mark]:
    """Return a mark for every case: one in twelve fails, the rest pass."""
    marks = {}
    for n, case in enumerate(cases):
        failed = n % 12 == 5
        marks[case.key] = Mark(
            case.key,
            Status.FAIL if failed else Status.PASS,
            tester=f"Tester {n % 7}",
            date=day - dt.timedelta(days=n % 5),
            actual="The total was 10 cents off" if failed else "",
            defect=f"DEF-{n}" if failed else "",
            comments="Checked against the printed invoice",
            fingerprint=case.fingerprint,
        )
    return marks


def alternate(
    actions: dict[str, Callable[[], object]], repeat: int, before: Callable[[], None] | None = None
) -> dict[str, float]:
    """Run the actions in alternating rounds (`before` each, untimed); return each one's median seconds."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            if before is not None:
                before()
            start = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def load() -> str:
    """Return the 1-minute load average."""
    return (
        open("/proc/loadavg", encoding="ascii").read().split()[0] if os.path.exists("/proc/loadavg") else "?"
    )
