"""Read another project's Allure results (`*-result.json`): labels, links, parameters, steps, attachments.

They are re-labelled as uatkit's own when written; the attachments they point at are read from beside them
(a plain file name in the same folder, nothing else) so that the copies travel with the new results.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from uatkit.evidence.cucumber import read_json
from uatkit.evidence.model import UNKNOWN, Attachment, ExternalTest, SourceFile, Step, digest, refused

_HINT = "give Allure result files (*-result.json) as an Allure adapter wrote them"
_STATUSES = ("passed", "failed", "broken", "skipped", "unknown")
#: Labels that say where a test sits, in the order that names its class.
_CLASS_LABELS = ("testClass", "suite", "feature", "parentSuite")


def read_allure(path: Path, data: bytes, warnings: list[str]) -> tuple[list[ExternalTest], SourceFile]:
    """Return the one test of an Allure result file; a file that is not one is a located InputError."""
    found = read_json(path, data, _HINT)
    if not isinstance(found, dict) or not isinstance(found.get("name"), str) or "status" not in found:
        raise refused(
            path, "not an Allure result: a JSON object with a name and a status was expected", _HINT
        )
    labels = [
        (str(x.get("name", "")), str(x.get("value", "")))
        for x in found.get("labels") or ()
        if isinstance(x, dict)
    ]
    links = tuple(
        (str(x.get("url", "")), str(x.get("name", "") or x.get("url", "")), str(x.get("type", "link")))
        for x in found.get("links") or ()
        if isinstance(x, dict)
    )
    parameters = tuple(
        (str(x.get("name", "")), str(x.get("value", "")))
        for x in found.get("parameters") or ()
        if isinstance(x, dict) and not x.get("excluded")
    )
    details = _object(found.get("statusDetails"))
    status = str(found.get("status") or UNKNOWN)
    start, stop = _int(found.get("start")), _int(found.get("stop"))
    tms = [("tms", name) for _url, name, kind in links if kind in ("tms", "test_case")]
    test = ExternalTest(
        file=str(path),
        suite=next((v for k, v in labels if k == "parentSuite"), ""),
        classname=next((v for name in _CLASS_LABELS for k, v in labels if k == name), ""),
        name=found["name"],
        status=status if status in _STATUSES else UNKNOWN,
        message=str(details.get("message") or ""),
        trace=str(details.get("trace") or ""),
        start=start,
        stop=stop,
        tags=tuple(v for k, v in labels if k == "tag"),
        properties=(*((k, v) for k, v in labels if k != "tag"), *tms),
        steps=tuple(_steps(path, found.get("steps"), warnings)),
        parameters=parameters,
        links=links,
        attachments=tuple(_attachments(path, found.get("attachments"), warnings)),
    )
    source = SourceFile(path, digest(data), _flavour(labels), 1, start, stop)
    return [test], source


def _steps(path: Path, found: Any, warnings: list[str]) -> Iterator[Step]:
    for step in found or ():
        if not isinstance(step, dict):
            continue
        details = _object(step.get("statusDetails"))
        yield Step(
            name=str(step.get("name", "")),
            status=str(step.get("status") or UNKNOWN),
            message=str(details.get("message") or ""),
            start=_int(step.get("start")),
            stop=_int(step.get("stop")),
            steps=tuple(_steps(path, step.get("steps"), warnings)),
            attachments=tuple(_attachments(path, step.get("attachments"), warnings)),
        )


def _attachments(path: Path, found: Any, warnings: list[str]) -> Iterator[Attachment]:
    """Yield the attachments a result names that lie beside it; say which could not be copied."""
    for item in found or ():
        if not isinstance(item, Mapping):
            continue
        source = str(item.get("source", ""))
        name = str(item.get("name", "") or source)
        # A source is a file name in the results folder: never a path that leads elsewhere.
        file = path.parent / source
        # A link could point anywhere on the importer's machine: only a plain file lying there is copied.
        plain = bool(source) and Path(source).name == source and not source.startswith(".")
        if not plain or file.is_symlink() or not file.is_file():
            warnings.append(
                f"{path}: attachment {name!r} ({source or 'no file'}) is not beside it; not copied"
            )
            continue
        extension = file.suffix.lstrip(".") or "bin"
        yield Attachment(name, file.read_bytes(), str(item.get("type", "")), extension)


def _flavour(labels: list[tuple[str, str]]) -> str:
    framework = next((v for k, v in labels if k == "framework"), "")
    language = next((v for k, v in labels if k == "language"), "")
    return "allure" + (f" ({' '.join(filter(None, (framework, language)))})" if framework or language else "")


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
