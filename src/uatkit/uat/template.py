"""A client's own UAT template as the commands run it: fill a blank one with the cases, import its marks.

An import reads each file through the mapping (`template_reader`) and records it as a pack of kind
'template' (`Ledger.import_pack`): one transaction a file, the same rules as a pack's (identity by content,
corrections by the same tester of the same file name, conflicts shown), the file's and the mapping's
SHA-256 recorded. A dry run records into an in-memory copy of the ledger, so it says exactly what the
import would do while the ledger file stays as it was (and none is created).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from uatkit.atomic import atomic_write_bytes
from uatkit.cases import select_cases
from uatkit.errors import Problem, UatkitError
from uatkit.model import SourceLocation
from uatkit.project import Project
from uatkit.uat.export import check_release
from uatkit.uat.ledger import ImportOutcome, TemplateSource
from uatkit.uat.ledger_location import open_ledger
from uatkit.uat.results import ResultsNotWritten, update_results
from uatkit.uat.template_mapping import TemplateMapping
from uatkit.uat.template_reader import TemplateRead, read_template
from uatkit.uat.template_writer import Filled, fill_template
from uatkit.xlsxguard import WorkbookRefused, read_checked


@dataclass
class TemplateImport:
    """One client template: as read, and what recording it did (None when it was refused)."""

    template: TemplateRead
    outcome: ImportOutcome | None = None

    @property
    def path(self) -> Path:
        """Return the file's path."""
        return self.template.read.path


@dataclass
class TemplateRun:
    """What an import of client templates did, or with `dry_run` would do."""

    release: str
    dry_run: bool
    files: list[TemplateImport] = field(default_factory=list)
    results_written: int = 0
    results_error: str = ""

    @property
    def failed(self) -> bool:
        """Return True when a file was refused or the UAT results could not be written."""
        return any(f.outcome is None for f in self.files) or bool(self.results_error)


def template_release(project: Project, mapping: TemplateMapping, release: str | None) -> str:
    """Return the release the marks are for: --release, the mapping's, else [tool.uatkit.uat] release."""
    chosen = release or mapping.table.release or project.config.uat.release
    if not chosen:
        raise UatkitError(
            f'say which release the marks are for: --release R1, or release = "R1" in {mapping.path}'
        )
    check_release(chosen)
    return chosen


def import_templates(
    project: Project,
    files: Sequence[Path],
    mapping: TemplateMapping,
    *,
    release: str,
    dry_run: bool = False,
) -> TemplateRun:
    """Read client templates through `mapping` and record each (or, dry, say what recording would do)."""
    config = project.config
    cases = project.cases
    run = TemplateRun(release, dry_run)
    reads = [
        read_template(
            path,
            mapping,
            cases,
            release=release,
            project=config.project_name,
            limits=config.limits,
            rules=config.uat.checks,
        )
        for path in files
    ]
    ledger = open_ledger(project, dry_run=True) if dry_run else open_ledger(project)
    with ledger:
        for template in reads:
            read = template.read
            if not read.ok:
                run.files.append(TemplateImport(template))
                continue
            source = TemplateSource(
                config.relative(mapping.path) if mapping.sha256 else "",
                mapping.sha256,
                template.sheet,
                template.header_row,
            )
            try:
                run.files.append(TemplateImport(template, ledger.import_pack(read, source)))
            except (UatkitError, OSError) as exc:
                message = str(exc).removeprefix(f"{read.path}: ")
                read.errors.append(Problem(SourceLocation(str(read.path)), message))
                run.files.append(TemplateImport(template))
        if not dry_run:
            try:
                run.results_written = update_results(project, ledger)
            except ResultsNotWritten as exc:
                run.results_error = str(exc)
    return run


@dataclass(frozen=True)
class TemplateExport:
    """A filled template: where it went, how many cases, and the copy kept of the file it replaced."""

    path: Path
    cases: int
    filled: Filled
    kept: Path | None = None


def export_template(
    project: Project,
    template: Path,
    mapping: TemplateMapping,
    *,
    release: str,
    everything: bool,
    output: Path | None,
    force: bool,
) -> TemplateExport:
    """Write the client's blank template filled with the release's UAT cases; never replace silently."""
    config = project.config
    check_release(release)
    selected = select_cases(project.cases, ("all",) if everything else config.uat.select)
    if not selected:
        raise UatkitError(
            f"no scenario needs UAT (selected by {', '.join(config.uat.select)}); "
            "tag scenarios @uat or @manual, use --all, or set [tool.uatkit.uat] select"
        )
    try:
        data = read_checked(template, config.limits)
    except WorkbookRefused as exc:
        raise UatkitError(f"{template}: {exc}") from None
    filled = fill_template(data, str(template), mapping, selected, config.limits)
    target = output or project.packs_folder / release / f"{release}-{template.stem}.xlsx"
    if target.resolve() == template.resolve():
        raise UatkitError(f"{target}: this is the blank template itself; name another file with --output")
    kept = None
    if target.exists() or target.is_symlink():
        if not target.is_file():
            raise UatkitError(
                f"{target}: not a regular file, where the template is to be written; move it away"
            )
        if not force:
            raise UatkitError(
                f"{target} already exists (it may hold the testers' results); import it first, or pass "
                "--force to replace it (a copy is kept), or name another file with --output"
            )
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        keep_in = project.ledger_path.parent / "replaced-packs"
        keep_in.mkdir(parents=True, exist_ok=True)
        kept = keep_in / f"{target.stem}.{stamp}{target.suffix}"
        shutil.copy2(target, kept)
    try:
        atomic_write_bytes(target, filled.data, replace=kept is not None)
    except FileExistsError:
        raise UatkitError(
            f"{target} appeared while it was written; nothing was replaced, export again"
        ) from None
    return TemplateExport(target, len(selected), filled, kept)
