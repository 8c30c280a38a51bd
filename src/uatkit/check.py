"""Check stories and features against each other, and features against their step definitions."""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uatkit.atomic import atomic_write_text
from uatkit.config import Config
from uatkit.errors import UatkitError
from uatkit.gherkin import sync
from uatkit.gherkin.dialects import keywords
from uatkit.gherkin.parse import Feature, FeatureSet
from uatkit.gherkin.skeleton import StepText
from uatkit.model import AUTOMATED_LEVELS, LEVEL_TAGS, Catalogue, Level, SourceLocation
from uatkit.project import CACHE_FOLDER, Project

_SYNC_KINDS = {
    sync.Action.CREATE: ("not generated", "run `uatkit generate`"),
    sync.Action.UPDATE: ("stale", "the story changed; run `uatkit generate`"),
    sync.Action.REMOVE_MOVED: ("stale", "the feature moved; run `uatkit generate`"),
    sync.Action.KEEP_EDITED: ("edited by hand", "edit the story instead, then `uatkit generate --force`"),
    sync.Action.KEEP_FOREIGN: ("not generated", "a hand-written file is where the story's feature goes"),
    sync.Action.ORPHANED: ("orphaned", "its story is gone; delete the feature or restore the story"),
}


@dataclass(frozen=True)
class StepUse:
    """One place a step is used: the step's line and its scenario."""

    location: SourceLocation
    scenario: str
    scenario_location: SourceLocation


@dataclass(frozen=True)
class UndefinedStep:
    """A step text no definition matches, once, with every place that uses it."""

    step: StepText
    #: the keyword shown: the feature language's word for the step's kind (And and But resolved)
    keyword: str
    uses: tuple[StepUse, ...]

    def as_dict(self) -> dict[str, object]:
        """Return the step's keys of its finding's JSON."""
        return {
            "step": f"{self.keyword} {self.step.text}",
            "type": self.step.kind,
            "text": self.step.text,
            "count": len(self.uses),
            "uses": [
                {
                    "location": str(u.location),
                    "scenario": u.scenario,
                    "scenario_location": str(u.scenario_location),
                }
                for u in self.uses
            ],
        }


@dataclass(frozen=True)
class Finding:
    """One thing wrong between stories, features and steps."""

    kind: str
    location: SourceLocation
    message: str
    hint: str = ""
    #: for an undefined step: the step and every use of it (`location` is the first)
    undefined: UndefinedStep | None = None

    def as_dict(self) -> dict[str, object]:
        """Return the finding as plain data for JSON output."""
        data: dict[str, object] = {
            "kind": self.kind,
            "location": str(self.location),
            "message": self.message,
            "hint": self.hint,
        }
        return {**data, **self.undefined.as_dict()} if self.undefined is not None else data


def check_project(
    project: Project, steps: bool = True, evidence: bool = True, results: Sequence[Path] = ()
) -> list[Finding]:
    """Return every finding for the project, in a stable order."""
    config = project.config
    # The step check's pytest session (when the cache cannot answer) runs while the rest is checked here.
    files = project.feature_files
    texts = {path: text for path, text in files.texts.items() if path not in files.undecodable}
    with StepCheck(config, texts) if steps else contextlib.nullcontext() as step_check:
        catalogue, features = project.catalogue, project.features
        findings = list(sync_findings(catalogue, config, project.feature_files.texts))
        findings += [Finding("syntax", p.location, p.message, p.hint) for p in features.problems]
        findings += coverage_findings(catalogue, features.features)
        findings += tag_findings(catalogue, features.features, config.requirement_regex)
        # Cases come from features that parse; with syntax errors listed, none hold evidence against them.
        stale = evidence_findings(project, results) if evidence and not features.problems else []
        if step_check is not None:
            findings += step_findings(config, features, step_check.report())
    return findings + stale


def evidence_findings(project: Project, results: Sequence[Path] = ()) -> list[Finding]:
    """Return the cases whose evidence was made against an older scenario (or records none), level by level.

    An automated level is stale when none of the case row's latest results there ran the scenario as it is
    now; a UAT row when its current mark was made against an older version. A row that passed again since
    is not listed. `results` are the results folders to read (default: the evidence set `uatkit trace` reads).
    """
    from uatkit.allure.read import read_result_set
    from uatkit.trace.evidence import choose_evidence
    from uatkit.uat.ledger import read_view
    from uatkit.uat.ledger_location import ledger_location

    cases = {case.key: case for case in project.cases}
    current = project.fingerprints
    found: dict[tuple[str, str], list[str]] = {}
    for record in read_result_set(choose_evidence(project, list(results) or None).paths).latest:
        if record.layer not in AUTOMATED_LEVELS:
            continue
        key = record.case_key or record.case_id
        found.setdefault((key, record.layer), []).append(record.fingerprint)
    findings: list[Finding] = []
    for (key, level), prints in sorted(found.items()):
        case = cases.get(key)
        if case is None or current.get(key) in prints:
            continue
        why = "records no scenario version" if not any(prints) else "ran an older version of the scenario"
        findings.append(
            Finding(
                "stale evidence",
                case.source,
                f"{key} at {level}: its result {why}",
                f"import a newer run of it (`uatkit evidence import --level {level}`), then `uatkit report`"
                if level in project.config.evidence.external_levels
                else f"run it again (pytest --uatkit-level {level}), then `uatkit report`",
            )
        )
    view = read_view(
        ledger_location(project), current, project.config.uat.release, wait=project.config.uat.busy_timeout
    )
    for state in view.states.values() if view is not None else ():
        case = cases.get(state.key)
        if case is not None and state.mark is not None and state.stale and not state.conflict:
            findings.append(
                Finding(
                    "stale evidence",
                    case.source,
                    f"{state.key} in UAT: its current mark was made against an older version of the scenario",
                    "export the pack again (`uatkit uat export`) and have the row tested again",
                )
            )
    return findings


def sync_findings(catalogue: Catalogue, config: Config, existing: Mapping[Path, str]) -> Iterable[Finding]:
    """Yield stale, missing, hand-edited and orphaned features."""
    for item in sync.plan(catalogue, config, existing=existing):
        if item.action in _SYNC_KINDS:
            kind, hint = _SYNC_KINDS[item.action]
            what = f"feature of {item.story_id}" if item.story_id else "feature"
            yield Finding(kind, SourceLocation(config.relative(item.path)), f"{what} is {kind}", hint)


def coverage_findings(catalogue: Catalogue, features: Sequence[Feature]) -> list[Finding]:
    """Return requirements with no scenario, scenarios with no known requirement, and duplicate cases."""
    stories = catalogue.by_id()
    findings: list[Finding] = []
    covered: set[str] = set()
    first_case: dict[str, SourceLocation] = {}
    for feature in features:
        for scenario in feature.scenarios:
            where = SourceLocation(feature.display, scenario.line)
            requirements = {t for t in scenario.tags if t in stories}
            for case in scenario.case_ids:
                story_id, _, criterion_id = case.rpartition(".")
                story = stories.get(story_id)
                if story is not None:
                    requirements.add(story_id)
                    if criterion_id not in {c.id for c in story.criteria}:
                        findings.append(
                            Finding(
                                "unknown case",
                                where,
                                f"case {case}: {story_id} has no criterion {criterion_id}",
                                "fix the @case tag or add the criterion to the story",
                            )
                        )
                if case in first_case:
                    findings.append(
                        Finding(
                            "duplicate case",
                            where,
                            f"case ID {case} is used twice",
                            f"first at {first_case[case]}",
                        )
                    )
                else:
                    first_case[case] = where
            if not requirements:
                findings.append(
                    Finding(
                        "unknown requirement",
                        where,
                        f"scenario {scenario.name!r} names no known requirement",
                        "tag it (or its feature) with a requirement ID from the stories",
                    )
                )
            covered |= requirements
    for story in catalogue.stories:
        if story.id not in covered or not story.criteria:
            findings.append(
                Finding(
                    "uncovered",
                    story.source,
                    f"requirement {story.id} has no scenario",
                    "add acceptance criteria to the story, then run `uatkit generate`",
                )
            )
    return findings


def tag_findings(
    catalogue: Catalogue, features: Sequence[Feature], pattern: re.Pattern[str]
) -> list[Finding]:
    """Return tags that name a requirement the stories do not have, or nearly spell one (once a feature each).

    A scenario tagged with a known requirement as well (its feature's) would otherwise pass every check while
    its own tag, `@REQ-99` or `@REQ-1O`, points at nothing: the matrix would never show that link.
    """
    known = catalogue.by_id()
    upper = {story_id.upper(): story_id for story_id in known}
    findings: list[Finding] = []
    for feature in features:
        seen: set[str] = set()
        for scenario in feature.scenarios:
            for tag in scenario.tags:
                if tag in seen or tag in known or ":" in tag or tag in LEVEL_TAGS:
                    continue
                seen.add(tag)
                where = SourceLocation(feature.display, scenario.line)
                if pattern.match(tag):
                    message = f"tag @{tag} names no requirement in the stories"
                    findings.append(Finding("unknown requirement", where, message, _near(tag, upper)))
                elif close := difflib.get_close_matches(tag.upper(), upper, n=1, cutoff=0.8):
                    message = f"tag @{tag} looks like requirement {upper[close[0]]} but is not one"
                    findings.append(
                        Finding("unknown requirement", where, message, f"did you mean @{upper[close[0]]}?")
                    )
    return findings


def _near(tag: str, upper: Mapping[str, str]) -> str:
    close = difflib.get_close_matches(tag.upper(), upper, n=1, cutoff=0.8)
    hint = "fix the tag, or add the requirement's story"
    return f"{hint} (did you mean @{upper[close[0]]}?)" if close else hint


def step_findings(
    config: Config, features: FeatureSet, report: Mapping[str, Any] | None = None
) -> list[Finding]:
    """Return the scenarios no test binds and the steps no definition matches, as pytest-bdd resolves them.

    `report` is the step check's answer when the caller has it (`StepCheck`); else it is asked for here.
    """
    if report is None:
        with StepCheck(config) as step_check:
            report = step_check.report()
    findings = [
        Finding(
            "collection error",
            SourceLocation(entry["node"] or config.steps),
            entry["message"],
            "fix it: pytest cannot collect the tests while it stands",
        )
        for entry in report["errors"]
    ]
    bound = {(Path(file).resolve(), line) for file, line in report["bound"]}
    external = set(config.evidence.external_levels)
    for feature, scenario in features.scenarios():
        # Manual scenarios are verified by people: they need neither a test nor step definitions; nor do
        # scenarios whose every level is verified by another tool's imported results.
        if (
            (feature.path.resolve(), scenario.line) in bound
            or Level.MANUAL in scenario.tags
            or elsewhere(scenario.tags, external)
        ):
            continue
        findings.append(
            Finding(
                "no test",
                SourceLocation(feature.display, scenario.line),
                f"scenario {scenario.name!r} is bound to no test",
                f"call pytest-bdd's scenarios() on the features from a test module in {config.steps}/",
            )
        )
    findings += _undefined_steps(
        config,
        features,
        [
            e
            for e in report["undefined"]
            if Level.MANUAL not in e["tags"] and not elsewhere(e["tags"], external)
        ],
    )
    return findings


def _undefined_steps(config: Config, features: FeatureSet, entries: list[dict[str, Any]]) -> list[Finding]:
    """Return one finding per step text no definition matches (its kind kept), with every use of it."""
    languages = {feature.path.resolve(): feature.language for feature in features.features}
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in entries:
        grouped.setdefault((entry["type"], entry["name"]), []).append(entry)
    findings = []
    for (kind, text), uses in grouped.items():
        first = uses[0]
        path = Path(first["file"])
        written = first["step"][: -len(text)].strip() if first["step"].endswith(text) else ""
        keyword = keywords(languages.get(path.resolve(), "en")).step_keyword(kind, written)
        where = SourceLocation(config.relative(path), first["line"])
        step = UndefinedStep(
            StepText(kind, text, str(where), first.get("docstring", False), first.get("datatable", False)),
            keyword,
            tuple(
                StepUse(
                    SourceLocation(config.relative(Path(use["file"])), use["line"]),
                    use["scenario"],
                    SourceLocation(config.relative(Path(use["file"])), use["scenario_line"]),
                )
                for use in uses
            ),
        )
        times = f", used {len(uses)} times" if len(uses) > 1 else ""
        findings.append(
            Finding(
                "undefined step",
                where,
                f"{keyword} {text} has no step definition{times}",
                f"define it in {config.steps}/ (`uatkit check --skeleton` prints a definition to start from)",
                step,
            )
        )
    return findings


def elsewhere(tags: Iterable[str], external: Collection[str]) -> bool:
    """Return True when a scenario's automated levels are all verified by imported results (none: False)."""
    levels = {level for level in AUTOMATED_LEVELS if level in set(tags)}
    return bool(levels) and levels <= set(external)


#: Where `uatkit check` keeps its last step check: the project's git-ignored cache folder, beside the cases
#: cache and never under the published reports/ (an undefined step's text may say a password).
STEP_CACHE = Path(CACHE_FOLDER) / "step-check.json"
_CACHE_VERSION = 1
#: Environment variables that change what pytest loads, and so the step check's answer.
_PYTEST_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTHONPATH")


class StepCheck:
    """The step check's report: from the cache when none of its inputs changed, else from a pytest session.

    The session starts when the check is made and runs beside the caller until `report()` waits for it;
    leaving the `with` block ends it if it still runs. The cache is keyed by the SHA-256 of every input the
    answer depends on (see `_step_inputs`): any change of a step, fixture or conftest module, a feature or
    the settings runs the session again.
    """

    def __init__(self, config: Config, texts: Mapping[Path, str] | None = None) -> None:
        """Start the check; `texts`: feature files already read as UTF-8 (hashed as read, not read again)."""
        self.config = config
        self._texts = texts or {}
        self._path = config.root / STEP_CACHE
        self._session: StepSession | None = None
        self._report: dict[str, Any] | None = None
        cached = _read_cache(self._path)
        if cached is not None and cached["key"] == _step_key(
            config, cached["sources"], cached["feature_dirs"], self._texts
        ):
            self._report = cached["report"]
            return
        # Keyed on the inputs as they were before the session read them: a file changed meanwhile misses next.
        self._before = _step_inputs(config, (), (), self._texts)
        self._session = start_step_session(config)

    def __enter__(self) -> StepCheck:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._session is not None:
            self._session.close()

    def report(self) -> dict[str, Any]:
        """Return the report, waiting for the session when one runs (kept in the cache when it collected)."""
        if self._report is not None:
            return self._report
        assert self._session is not None
        report = self._session.wait()
        if not report["errors"]:
            sources, dirs = report.pop("sources", []), report.pop("feature_dirs", [])
            key = _digest({**_step_inputs(self.config, sources, dirs, self._texts), **self._before})
            entry = {"version": _CACHE_VERSION, "key": key, "sources": sources, "feature_dirs": dirs}
            # A read-only checkout still gets its answer, only not kept for next time.
            with contextlib.suppress(OSError, UatkitError):
                atomic_write_text(self._path, json.dumps({**entry, "report": report}, ensure_ascii=False))
        self._report = report
        return report


def _read_cache(path: Path) -> dict[str, Any] | None:
    """Return the cached step check, or None when there is none this version of uatkit can trust."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    keys = ("key", "sources", "feature_dirs", "report")
    if (
        not isinstance(data, dict)
        or data.get("version") != _CACHE_VERSION
        or not all(k in data for k in keys)
    ):
        return None
    return data


def _step_key(
    config: Config, sources: Sequence[str], feature_dirs: Sequence[str], texts: Mapping[Path, str]
) -> str:
    return _digest(_step_inputs(config, sources, feature_dirs, texts))


def _digest(inputs: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(inputs.items())).encode("utf-8")).hexdigest()


def _step_inputs(
    config: Config, sources: Sequence[str], feature_dirs: Sequence[str], texts: Mapping[Path, str]
) -> dict[str, str]:
    """Return each input of the step check with its SHA-256 (a file) or value (a setting, a version).

    The inputs: every Python file under the folder pytest collects and every conftest.py from the project
    root down to it; every feature file of the features folder and of the folders the bound scenarios came
    from; the project's pytest settings files; the Python files the last session imported from outside the
    standard library and site-packages (the project's own helpers, an editable uatkit); the installed
    distributions and their versions; the Python executable and pytest's environment variables.
    """
    from importlib import metadata

    root = config.root
    target = root / config.steps
    if not target.exists():
        target = config.features_dir
    files: set[Path] = {root / name for name in ("pyproject.toml", "pytest.ini", "tox.ini", "setup.cfg")}
    folder = target if target.is_dir() else target.parent
    while folder.is_relative_to(root):
        files.add(folder / "conftest.py")
        if folder == root:
            break
        folder = folder.parent
    if target.is_dir():
        files.update(target.rglob("*.py"))
    for features in {config.features_dir, *map(Path, feature_dirs)}:
        if features.is_dir():
            files.update(features.rglob("*.feature"))
    files.update(map(Path, sources))
    # A feature file already read as UTF-8 is hashed from its text: the same bytes, not read twice.
    inputs = {
        f"file:{p}": hashlib.sha256(texts[p].encode("utf-8")).hexdigest() if p in texts else _file_digest(p)
        for p in files
    }
    inputs = {name: digest for name, digest in inputs.items() if digest}
    inputs["python"] = sys.executable
    inputs.update({f"env:{name}": os.environ.get(name, "") for name in _PYTEST_ENV})
    inputs["installed"] = ",".join(
        sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    )
    return inputs


def _file_digest(path: Path) -> str:
    """Return a file's SHA-256, or "" when there is no such file."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return ""


class StepSession:
    """The step check's pytest session in its own process (see pytest_plugin.stepcheck), output to files."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._folder = tempfile.TemporaryDirectory(prefix="uatkit-steps-")
        folder = Path(self._folder.name)
        self._out = folder / "missing.json"
        target = config.root / config.steps
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--uatkit-missing-steps={self._out}",
            "-o",
            "addopts=",
            str(target if target.exists() else config.features_dir),
        ]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        # Files, not pipes: the caller reads nothing until the session ends, and a full pipe would stop it.
        self._log = (folder / "output.txt").open("w+", encoding="utf-8", errors="replace")
        self._process = subprocess.Popen(
            command, cwd=config.root, stdout=self._log, stderr=subprocess.STDOUT, text=True, env=env
        )

    def wait(self) -> dict[str, Any]:
        """Wait for the session to end and return what it wrote."""
        try:
            self._process.wait()
            if not self._out.exists():
                self._log.seek(0)
                tail = "\n".join(self._log.read().strip().splitlines()[-15:])
                raise UatkitError(
                    f"pytest could not collect the step definitions in {self.config.steps}/:\n{tail}"
                )
            report: dict[str, Any] = json.loads(self._out.read_text(encoding="utf-8"))
            return report
        finally:
            self.close()

    def close(self) -> None:
        """End the session if it still runs, and remove its files."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._log.close()
        self._folder.cleanup()


def start_step_session(config: Config) -> StepSession:
    """Start the step check's pytest session over the steps folder (else the features folder)."""
    return StepSession(config)
