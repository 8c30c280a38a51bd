"""Read JUnit XML as the tools emit it: Maven Surefire, pytest, jest-junit, Playwright, trx2junit.

The files come from outside, so they are parsed by defusedxml: a DTD, an entity declaration or an external
reference is refused, never expanded (no billion laughs, no XXE). junitparser reads the same XML, but hides
the `<properties>` of a test case (Playwright's annotations, tags), which link a test to a case; walking the
parsed tree is a few lines.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from uatkit.evidence.model import BROKEN, FAILED, PASSED, SKIPPED, ExternalTest, SourceFile, digest, refused

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_HINT = (
    "give a JUnit XML report (Maven Surefire TEST-*.xml, pytest --junitxml, jest-junit, Playwright's junit)"
)
_SPEC = re.compile(r"\.(spec|test)\.[cm]?[jt]sx?$")
_OUTCOMES = {"failure": FAILED, "error": BROKEN, "skipped": SKIPPED}


def read_junit(path: Path, data: bytes) -> tuple[list[ExternalTest], SourceFile]:
    """Return the tests of one JUnit XML file; a file that is not one is a located InputError."""
    root = parse_xml(path, data)
    tag = _local(root.tag)
    if tag not in ("testsuites", "testsuite"):
        raise refused(
            path, f"not JUnit XML: its root element is <{tag}>, not <testsuites> or <testsuite>", _HINT
        )
    tests: list[ExternalTest] = []
    suites = [root] if tag == "testsuite" else [e for e in root if _local(e.tag) == "testsuite"]
    for suite in suites:
        tests += _suite(path, suite, (), {}, None)
    starts = [t.start for t in tests if t.start is not None]
    stops = [t.stop for t in tests if t.stop is not None]
    source = SourceFile(
        path=path,
        sha256=digest(data),
        flavour=_flavour(root, path),
        tests=len(tests),
        started=min(starts) if starts else None,
        stopped=max(stops) if stops else None,
    )
    return tests, source


def parse_xml(path: Path, data: bytes) -> Element:
    """Parse XML from outside: no DTD, no entities, no external references; an error names its line."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if data.lstrip()[:1] in (b"[", b"{"):
        raise refused(path, "not XML: the file is JSON", f"{_HINT}; for Cucumber JSON use --from cucumber", 1)
    try:
        return fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        reason = str(exc).split(":", 1)[0]
        raise refused(path, f"not well-formed XML at column {column}: {reason}", _HINT, line) from None
    except DefusedXmlException as exc:
        raise refused(
            path,
            f"XML with a DTD, entity or external reference is refused ({type(exc).__name__})",
            "test reports have none; give the file as the test tool wrote it",
        ) from None


def _suite(
    path: Path, suite: Element, names: tuple[str, ...], inherited: Mapping[str, str], start: int | None
) -> Iterator[ExternalTest]:
    name = suite.get("name", "")
    chain = (*names, name) if name else names
    properties = {**inherited, **dict(_properties(suite))}
    start = _moment(suite.get("timestamp")) or start
    for child in suite:
        kind = _local(child.tag)
        if kind == "testsuite":
            yield from _suite(path, child, chain, properties, start)
        elif kind == "testcase":
            yield _case(path, child, chain, properties, start)


def _case(
    path: Path, case: Element, suites: tuple[str, ...], inherited: Mapping[str, str], start: int | None
) -> ExternalTest:
    status, message, trace = PASSED, "", ""
    output: list[str] = []
    for child in case:
        kind = _local(child.tag)
        if kind in _OUTCOMES and status == PASSED:
            status = _OUTCOMES[kind]
            message = child.get("message", "") or (child.text or "").strip().split("\n", 1)[0]
            trace = (child.text or "").strip()
        elif kind in ("system-out", "system-err") and (child.text or "").strip():
            output.append(child.text.strip() if child.text else "")
    own = _properties(case)
    tags = tuple(t for name, value in own if name.lower() in ("tag", "tags") for t in value.split())
    duration = _seconds(case.get("time"))
    stop = start + int(duration * 1000) if start is not None and duration is not None else None
    return ExternalTest(
        file=str(path),
        suite=" › ".join(suites),
        classname=case.get("classname", ""),
        name=case.get("name", ""),
        status=status,
        message=message,
        trace=trace,
        start=start,
        stop=stop,
        tags=tags,
        properties=(*inherited.items(), *own),
        output="\n\n".join(output),
    )


def _properties(element: Element) -> list[tuple[str, str]]:
    """Return the name/value pairs of an element's `<properties>` (the value attribute, else the text)."""
    found = []
    for holder in element:
        if _local(holder.tag) != "properties":
            continue
        for prop in holder:
            if _local(prop.tag) == "property" and prop.get("name"):
                found.append((prop.get("name", ""), prop.get("value") or (prop.text or "").strip()))
    return found


def _local(tag: object) -> str:
    """Return an element's name without its namespace."""
    return str(tag).rpartition("}")[2]


def _seconds(value: str | None) -> float | None:
    try:
        # Some tools write thousands separators ("1,234.5"); none writes a negative duration.
        return max(0.0, float((value or "").replace(",", ""))) if value else None
    except ValueError:
        return None


def _moment(value: str | None) -> int | None:
    """Return an ISO 8601 time as epoch milliseconds; a time without a zone is read as UTC."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


def _flavour(root: Element, path: Path) -> str:
    """Return which tool most likely wrote the file, for the run record (the reading is the same)."""
    schema = " ".join(v for k, v in root.attrib.items() if k.endswith("noNamespaceSchemaLocation"))
    suites = [root, *root.iter("testsuite")]
    names = {s.get("name", "") for s in suites}
    if "surefire" in schema or path.name.startswith("TEST-"):
        return "maven-surefire"
    if "pytest" in names:
        return "pytest"
    if "jest tests" in names:
        return "jest-junit"
    if any(s.get("package") == ".NET Core" or s.get("package", "").startswith(".NET") for s in suites):
        return "trx2junit"
    if any(_SPEC.search(c.get("classname") or "") for c in root.iter("testcase")):
        return "playwright"
    return "junit"
