"""Link other tools' tests to the catalogue's cases: by tag or property, by a mapping file, or by name.

The first of these that names an ID decides (docs/evidence.md, "Linking"):

1. a tag or property holding an ID: `@REQ-101`, `@case:REQ-101.AC-2`, a property `requirement`, `case` or
   `tags`, an Allure `tms` link;
2. a rule of the mapping file (`--map`): a regular expression searched in "class.name" → an ID;
3. the ID in the test's name, class or suite: `REQ-101 AC-2 …`, `test_REQ_101_ac2`.

An ID names a case row (`REQ-101.AC-5#2`), a case (all its rows, or the row whose steps a Cucumber scenario
ran) or a requirement (every case of it tagged with the import's level). A case link makes a requirement
link to the same requirement redundant. An ID that names nothing of the catalogue is a located problem and
the test stays unlinked: it is written, but counts for no case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from uatkit.cases import by_case_id, case_fingerprint
from uatkit.config import Config, parse_toml
from uatkit.errors import InputError, Problem
from uatkit.evidence.model import ExternalTest
from uatkit.model import CASE_PREFIX, Case, Catalogue, SourceLocation

#: Properties whose values are IDs (any case), and those whose values are tags.
ID_PROPERTIES = frozenset({"requirement", "requirements", "case", "cases", "tms"})
TAG_PROPERTIES = frozenset({"tag", "tags"})
_SPLIT = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Target:
    """One case row a test's result counts for, how the test was linked, and the fingerprint recorded."""

    case: Case
    by: str
    scope: str
    fingerprint: str


@dataclass(frozen=True)
class Linked:
    """A test and what it counts for: none (unlinked), or case rows; notes say what did not link."""

    test: ExternalTest
    ids: tuple[str, ...] = ()
    by: str = ""
    targets: tuple[Target, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """A mapping file's rule: tests whose "class.name" the pattern finds link to an ID."""

    pattern: re.Pattern[str]
    ids: tuple[str, ...]
    line: int | None = None


@dataclass
class Linker:
    """Links tests to a project's cases at one level (docs/evidence.md, "Linking")."""

    config: Config
    catalogue: Catalogue
    cases: Sequence[Case]
    level: str
    rules: Sequence[Rule] = ()
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stories = self.catalogue.by_id()
        self._upper = {story_id.upper(): story_id for story_id in self._stories}
        self._rows = by_case_id(self.cases)
        self._by_requirement: dict[str, list[str]] = {}
        for case_id, rows in self._rows.items():
            self._by_requirement.setdefault(rows[0].requirement, []).append(case_id)
        pattern = self.config.requirement_pattern
        self._in_text = re.compile(rf"(?<![A-Za-z0-9])(?:{pattern})(?![0-9])", re.IGNORECASE)

    def link(self, test: ExternalTest) -> Linked:
        """Return what one test counts for."""
        notes: list[str] = []
        explicit, kind = self._explicit(test)
        for by, ids in ((kind, explicit), ("mapping", self._mapped(test)), ("name", self._named(test))):
            if ids:
                return self._targets(test, by, ids, notes)
        return Linked(test, notes=tuple(notes))

    def _explicit(self, test: ExternalTest) -> tuple[list[str], str]:
        """Return the IDs tags and properties name, and which of the two named them ("tag" if any tag did)."""
        found: dict[str, str] = {}
        # Playwright and Jest write tags in the title: "places an order @REQ-103".
        titled = [word for word in test.name.split() if word.startswith("@") and len(word) > 1]
        values = [(tag, False, "tag") for tag in (*test.tags, *titled)]
        for name, value in test.properties:
            lowered = name.lower()
            if lowered in TAG_PROPERTIES:
                values += [(v, False, "property") for v in _SPLIT.split(value) if v]
            elif lowered in ID_PROPERTIES:
                # A tms link of another system names its own IDs; only one of this pattern is ours.
                values += [(v, lowered != "tms", "property") for v in _SPLIT.split(value) if v]
        for value, must, kind in values:
            text = value.lstrip("@")
            is_case = text.lower().startswith(CASE_PREFIX)
            text = text[len(CASE_PREFIX) :] if is_case else text
            requirement = text.partition(".")[0].partition("#")[0]
            if self.config.requirement_regex.match(requirement):
                for known in self.known(test, text, f"its {kind}"):
                    found.setdefault(known, kind)
            elif must or is_case:
                self._problem(test, f"{value!r} is not a requirement or case ID (pattern {self._pattern})")
        return list(found), "tag" if "tag" in found.values() else "property"

    def _mapped(self, test: ExternalTest) -> list[str]:
        subject = test.full_name
        return list(dict.fromkeys(i for rule in self.rules if rule.pattern.search(subject) for i in rule.ids))

    def _named(self, test: ExternalTest) -> list[str]:
        found: list[str] = []
        for text in (test.name, test.classname, test.suite):
            plain = text.replace("_", "-")
            for match in self._in_text.finditer(plain):
                requirement = self._upper.get(match.group(0).upper())
                if requirement is None:
                    self._problem(
                        test, f"its name names {match.group(0)}, which is no requirement of the stories"
                    )
                    continue
                found.append(self._criterion(requirement, plain[match.end() :]))
            if found:
                break
        return list(dict.fromkeys(found))

    def _criterion(self, requirement: str, rest: str) -> str:
        """Return the case ID when a criterion ID follows the requirement in a name (`_ac2`, ` AC-2`)."""
        story = self._stories[requirement]
        for criterion in sorted(story.criteria, key=lambda c: -len(c.id)):
            parts = [re.escape(p) for p in re.split(r"[^A-Za-z0-9]+", criterion.id) if p]
            spaced = r"[\s._-]?".join(parts)
            if re.match(rf"[\s._-]*{spaced}(?![0-9])", rest, re.IGNORECASE):
                return story.case_id(criterion)
        return requirement

    def known(self, test: ExternalTest, text: str, where: str) -> list[str]:
        """Return the ID if the catalogue knows it; else note a located problem and return none."""
        key, _, row = text.partition("#")
        requirement, _, criterion = key.partition(".")
        canonical = self._upper.get(requirement.upper())
        if canonical is None:
            self._problem(test, f"{where} names {requirement}, which is no requirement of the stories")
            return []
        if not criterion:
            return [canonical]
        case_id = f"{canonical}.{criterion}"
        rows = self._rows.get(case_id)
        if rows is None:
            self._problem(test, f"{where} names case {case_id}, which no scenario of the features has")
            return []
        if row and f"{case_id}#{row}" not in {r.key for r in rows}:
            self._problem(test, f"{where} names row {case_id}#{row}, which {case_id} does not have")
            return []
        return [f"{case_id}#{row}" if row else case_id]

    def _targets(self, test: ExternalTest, by: str, ids: list[str], notes: list[str]) -> Linked:
        cases = {i.partition("#")[0].partition(".")[0] for i in ids if "." in i}
        # A case of a requirement says more than the requirement: the requirement link adds nothing.
        ids = [i for i in ids if "." in i or i not in cases]
        targets: dict[str, Target] = {}
        for found in ids:
            if "#" in found:
                (row,) = [r for r in self._rows[found.partition("#")[0]] if r.key == found]
                targets.setdefault(row.key, self._target(test, row, by, "row"))
            elif "." in found:
                for target in self._case(test, self._rows[found], by, "case"):
                    targets.setdefault(target.case.key, target)
            else:
                planned = [
                    c for c in self._by_requirement.get(found, ()) if self.level in self._rows[c][0].tags
                ]
                if not planned:
                    notes.append(f"{found} has no case tagged @{self.level}: the result counts for none")
                for case_id in planned:
                    for target in self._case(test, self._rows[case_id], by, "requirement"):
                        targets.setdefault(target.case.key, target)
        unplanned = sorted({t.case.case_id for t in targets.values() if self.level not in t.case.tags})
        if unplanned:
            notes.append(
                f"{', '.join(unplanned)} not tagged @{self.level}: the result shows and a failure counts, "
                "but the case does not need it"
            )
        return Linked(test, tuple(ids), by, tuple(targets.values()), tuple(notes))

    def _case(self, test: ExternalTest, rows: Sequence[Case], by: str, scope: str) -> list[Target]:
        """Return a case's rows the test counts for: the row whose steps or values it ran, else every row."""
        ran = [row for row in rows if test.step_texts and test.step_texts == _texts(row)]
        if not ran and len(rows) > 1:
            ran = [row for row in rows if _values_in_name(test.name, row)]
            ran = ran if len(ran) == 1 else []
        return [self._target(test, row, by, scope) for row in (ran or rows)]

    def _target(self, test: ExternalTest, row: Case, by: str, scope: str) -> Target:
        fingerprint = row.fingerprint
        if test.step_texts and test.step_texts != _texts(row):
            # The scenario it ran is not the scenario as it is now: the result is recorded as stale.
            fingerprint = case_fingerprint((), test.step_texts, (), "as run")
        return Target(row, by, scope, fingerprint)

    @property
    def _pattern(self) -> str:
        return self.config.requirement_pattern

    def _problem(self, test: ExternalTest, message: str) -> None:
        problem = Problem(
            SourceLocation(test.file),
            f"test {test.full_name!r}: {message}",
            "fix the ID in the test, or link it with --map",
        )
        if problem not in self.problems:
            self.problems.append(problem)


_PARAMETERS = re.compile(r"[\[(]([^\[\]()]*)[\])]\s*$")


def _values_in_name(name: str, row: Case) -> bool:
    """Return True when a parametrized test's name ends with exactly this example row's values.

    `test_discount[10-5%]` (pytest), `[1] quantity=10, discount=5%` (JUnit 5) name the row they ran.
    """
    found = _PARAMETERS.search(name) or re.match(r"\s*\[\d+\]\s*(.*)$", name)
    if found is None:
        return False
    given = {v for v in re.split(r"[-,;\s]+", found.group(1)) if v}
    given |= {v.partition("=")[2] for v in given if "=" in v}
    values = [line.partition(" = ")[2] for line in row.test_data.splitlines()]
    return bool(values) and all(v in given for v in values) and len(given - {""}) >= len(values)


def _texts(row: Case) -> tuple[str, ...]:
    """Return a case row's step texts as a tool runs them (no keywords; tables and doc strings left out)."""
    return tuple(line.split("\n", 1)[0] for line in (*row.preconditions, *row.steps, *row.expected))


def read_rules(path: Path, config: Config) -> list[Rule]:
    """Read a mapping file: a `[links]` table of regular expression = ID (or a list of IDs)."""
    hint = "write [links] with lines such as 'OrderTotalTest' = \"REQ-101.AC-1\" (docs/evidence.md)"
    try:
        text = path.read_text(encoding="utf-8")
        data = parse_toml(text)
    except OSError as exc:
        raise InputError(
            [Problem(SourceLocation(str(path)), f"cannot be read: {exc.strerror}", hint)]
        ) from None
    except UnicodeDecodeError:
        raise InputError([Problem(SourceLocation(str(path)), "not UTF-8 text", hint)]) from None
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        raise InputError([Problem(SourceLocation(str(path), line), f"not valid TOML: {exc}", hint)]) from None
    links = data.get("links")
    if not isinstance(links, dict) or set(data) - {"links"}:
        raise InputError([Problem(SourceLocation(str(path)), "a mapping file holds one [links] table", hint)])
    rules, problems = [], []
    for pattern, target in links.items():
        line = _line_of(text, pattern)
        where = SourceLocation(str(path), line)
        ids = [target] if isinstance(target, str) else target
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            problems.append(Problem(where, f"{pattern!r}: the value must be an ID or a list of IDs", hint))
            continue
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            problems.append(Problem(where, f"{pattern!r} is not a regular expression: {exc}", hint))
            continue
        for found in ids:
            if not config.requirement_regex.match(found.lstrip("@").partition(".")[0].partition("#")[0]):
                problems.append(Problem(where, f"{found!r} is not a requirement or case ID", hint))
        rules.append(Rule(compiled, tuple(i.lstrip("@") for i in ids), line))
    if problems:
        raise InputError(problems)
    return rules


def resolve_rules(linker: Linker, path: Path) -> None:
    """Check every mapping rule's IDs against the catalogue: one naming nothing is a located problem."""
    problems = []
    for rule in linker.rules:
        for found in rule.ids:
            probe = ExternalTest(file=str(path), suite="", classname="", name=rule.pattern.pattern, status="")
            before = len(linker.problems)
            linker.known(probe, found, "the mapping")
            if len(linker.problems) > before:
                wrong = linker.problems.pop()
                problems.append(Problem(SourceLocation(str(path), rule.line), wrong.message, wrong.hint))
    if problems:
        raise InputError(problems)


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if key in line:
            return number
    return None


def counted(linked: Iterable[Linked]) -> Mapping[str, int]:
    """Return how many tests linked by each way (tag, mapping, name) and how many stayed unlinked."""
    out: dict[str, int] = {}
    for item in linked:
        key = item.by if item.targets else "unlinked"
        out[key] = out.get(key, 0) + 1
    return out
