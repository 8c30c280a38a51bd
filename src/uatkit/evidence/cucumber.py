"""Read Cucumber JSON (the `json` formatter of cucumber-jvm, cucumber-js and behave) into tests.

Features hold elements (scenarios, each example row of an outline its own, and cucumber-jvm's backgrounds
before them); elements hold steps with a `result.status`, and cucumber-jvm adds `before`/`after` hooks.
A scenario's status is the worst of its steps' and hooks'. Durations are nanoseconds (cucumber-jvm,
cucumber-js) or seconds (behave, which also writes tags without their `@`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import mimetypes
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from uatkit.allure.read import load_json
from uatkit.evidence.model import (
    BROKEN,
    FAILED,
    PASSED,
    SKIPPED,
    UNKNOWN,
    Attachment,
    ExternalTest,
    SourceFile,
    Step,
    digest,
    refused,
    worst,
)

_HINT = "give the report of Cucumber's `json` formatter (cucumber-jvm, cucumber-js, behave -f json)"
_STATUS = {
    "passed": PASSED,
    "failed": FAILED,
    "ambiguous": BROKEN,
    "skipped": SKIPPED,
    "pending": SKIPPED,
    "undefined": SKIPPED,
    "untested": SKIPPED,
}


def read_json(path: Path, data: bytes, hint: str) -> Any:
    """Parse a JSON report from outside (depth-limited); an error names the line and what to give."""
    if data.lstrip()[:1] == b"<":
        raise refused(path, "not JSON: the file is XML", f"{hint}; for JUnit XML use --from junit", 1)
    try:
        return load_json(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise refused(path, "not JSON: the file is not UTF-8 text", hint) from None
    except json.JSONDecodeError as exc:
        raise refused(path, f"not valid JSON at column {exc.colno}: {exc.msg}", hint, exc.lineno) from None
    except ValueError as exc:
        raise refused(path, f"not a test report: {exc}", hint) from None


def read_cucumber(path: Path, data: bytes) -> tuple[list[ExternalTest], SourceFile]:
    """Return the scenarios of one Cucumber JSON file; a file that is not one is a located InputError."""
    features = read_json(path, data, _HINT)
    if not isinstance(features, list) or not all(
        isinstance(f, dict) and isinstance(f.get("elements", []), list) for f in features
    ):
        raise refused(path, "not Cucumber JSON: it is not a list of features with elements", _HINT)
    flavour = _flavour(features)
    tests = [test for n, feature in enumerate(features) for test in _feature(path, n, feature, flavour)]
    starts = [t.start for t in tests if t.start is not None]
    stops = [t.stop for t in tests if t.stop is not None]
    source = SourceFile(
        path=path,
        sha256=digest(data),
        flavour=flavour,
        tests=len(tests),
        started=min(starts) if starts else None,
        stopped=max(stops) if stops else None,
    )
    return tests, source


def _feature(path: Path, number: int, feature: Mapping[str, Any], flavour: str) -> Iterator[ExternalTest]:
    name = _text(feature.get("name"))
    uri = _text(feature.get("uri") or feature.get("location")) or f"feature {number + 1}"
    tags = _tags(feature.get("tags"))
    background: list[Mapping[str, Any]] = []
    for element in feature.get("elements") or ():
        if not isinstance(element, dict):
            continue
        steps: list[Mapping[str, Any]] = [s for s in element.get("steps") or () if isinstance(s, dict)]
        if element.get("type") == "background":
            background = steps  # cucumber-jvm: the background ran before the next scenario
            continue
        yield _scenario(path, name, uri, tags, element, [*background, *steps], flavour)
        background = []


def _scenario(
    path: Path,
    feature: str,
    uri: str,
    feature_tags: tuple[str, ...],
    element: Mapping[str, Any],
    steps: list[Mapping[str, Any]],
    flavour: str,
) -> ExternalTest:
    seconds = flavour == "behave"
    hooks = [h for key in ("before", "after") for h in element.get(key) or () if isinstance(h, dict)]
    shown = [s for s in steps if not s.get("hidden")]
    results = [_result(item) for item in (*hooks, *steps)]
    statuses = [_STATUS.get(_text(r.get("status")).lower(), UNKNOWN) for r in results]
    status = worst(statuses) if statuses else SKIPPED
    failing = next((r for r, s in zip(results, statuses, strict=True) if s in (FAILED, BROKEN)), None)
    error = _text((failing or {}).get("error_message"))
    duration = round(sum(_duration(r.get("duration"), seconds) for r in results))
    start = _moment(element.get("start_timestamp"))
    line = element.get("line")
    return ExternalTest(
        file=str(path),
        suite=uri,
        classname=feature,
        name=_text(element.get("name")) + (f" (line {line})" if _outline_row(element) else ""),
        status=status,
        message=error.strip().split("\n", 1)[0],
        trace=error,
        start=start,
        stop=start + duration if start is not None else None,
        tags=tuple(dict.fromkeys((*feature_tags, *_tags(element.get("tags"))))),
        step_texts=tuple(_text(s.get("name")) for s in shown),
        steps=tuple(_step(s, seconds) for s in shown),
    )


def _outline_row(element: Mapping[str, Any]) -> bool:
    """Return True for an outline's example row, whose name alone does not tell it from its siblings."""
    return "outline" in _text(element.get("keyword")).lower() or ";;" in _text(element.get("id"))


def _step(step: Mapping[str, Any], seconds: bool) -> Step:
    result = _result(step)
    status = _STATUS.get(_text(result.get("status")).lower(), UNKNOWN)
    return Step(
        name=f"{_text(step.get('keyword')).strip()} {_text(step.get('name'))}".strip(),
        status=status,
        message=_text(result.get("error_message")),
        attachments=tuple(_embeddings(step)),
    )


def _embeddings(step: Mapping[str, Any]) -> Iterator[Attachment]:
    """Yield the screenshots and texts a step embedded (base64 data with a MIME type)."""
    for n, found in enumerate(step.get("embeddings") or (), 1):
        if not isinstance(found, dict) or not isinstance(found.get("data"), str):
            continue
        mime = _text(found.get("mime_type") or (found.get("media") or {}).get("type")) or "text/plain"
        try:
            content = base64.b64decode(found["data"], validate=True)
        except (binascii.Error, ValueError):
            continue
        extension = (mimetypes.guess_extension(mime) or ".bin").lstrip(".")
        yield Attachment(_text(found.get("name")) or f"embedding {n}", content, mime, extension)


def _result(item: Mapping[str, Any]) -> Mapping[str, Any]:
    result = item.get("result")
    return result if isinstance(result, dict) else {}


def _tags(found: Any) -> tuple[str, ...]:
    """Return tags as written: `{"name": "@x"}` objects (cucumber) or plain strings (behave)."""
    tags = []
    for tag in found or ():
        name = tag.get("name") if isinstance(tag, dict) else tag
        if isinstance(name, str) and name.strip():
            tags.append(name.strip() if name.startswith("@") else f"@{name.strip()}")
    return tuple(tags)


def _duration(value: Any, seconds: bool) -> float:
    """Return a step's duration in milliseconds."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        return 0.0
    return value * 1000 if seconds else value / 1_000_000


def _moment(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp() * 1000)


def _flavour(features: list[Any]) -> str:
    """Return which Cucumber wrote the report: behave, cucumber-jvm or cucumber-js."""
    elements = [e for f in features for e in f.get("elements") or () if isinstance(e, dict)]
    if any(isinstance(t, str) for f in features for t in f.get("tags") or ()) or any(
        "location" in f and "uri" not in f for f in features
    ):
        return "behave"
    if any("start_timestamp" in e or "before" in e or "after" in e for e in elements):
        return "cucumber-jvm"
    if any(s.get("hidden") for e in elements for s in e.get("steps") or () if isinstance(s, dict)):
        return "cucumber-js"
    uris = [str(f.get("uri", "")) for f in features]
    return "cucumber-jvm" if any(u.startswith(("classpath:", "file:")) for u in uris) else "cucumber-js"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
