"""Merge Allure results folders (shards, machines, CI jobs, UAT) into one folder for one report."""

from __future__ import annotations

import filecmp
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allure_commons.model2 import Status as AllureStatus

from uatkit.allure.mapping import LAYER_LABEL
from uatkit.allure.read import read_result_briefs
from uatkit.atomic import atomic_write_text, fresh_folder
from uatkit.errors import Problem, UatkitError
from uatkit.model import UAT_LAYER, SourceLocation
from uatkit.secrets import DEFAULT as DEFAULT_SECRETS
from uatkit.secrets import Secrets, mask
from uatkit.text import slug

ENVIRONMENT_FILE = "environment.properties"
EXECUTOR_FILE = "executor.json"
CATEGORIES_FILE = "categories.json"
#: The evidence manifest `uatkit report` writes into the merged folder (uatkit.trace.evidence).
MANIFEST_FILE = "uatkit-evidence.json"
#: Marks a folder uatkit made, so that replacing it never deletes someone else's files.
MARKER = ".uatkit-merged"
#: Written once from every shard's (or the caller's) data instead of being copied from one shard.
_WRITTEN_ONCE = {ENVIRONMENT_FILE, EXECUTOR_FILE, CATEGORIES_FILE, MANIFEST_FILE, "environment.xml"}
_PROPERTY_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


@dataclass(frozen=True)
class Category:
    """A defect category: which results it takes, by status, message and layer."""

    name: str
    description: str
    statuses: tuple[str, ...]
    #: A regular expression found anywhere in the result's message (JavaScript and Java syntax alike).
    message: str = ""
    layer: str = ""


_FAILED, _BROKEN, _UNKNOWN = AllureStatus.FAILED, AllureStatus.BROKEN, AllureStatus.UNKNOWN
_DOWN = (
    "[Cc]onnection refused|ECONNREFUSED|ERR_CONNECTION_REFUSED|ERR_NAME_NOT_RESOLVED|[Uu]nreachable"
    "|[Ff]ailed to establish a new connection|[Nn]ame or service not known|[Nn]o base URL"
)
#: First match wins in Allure 3, so the specific categories come before the catch-alls.
CATEGORIES = (
    Category("System unavailable", "The system under test did not answer.", (_FAILED, _BROKEN), _DOWN),
    Category("Rejected in UAT", "A business user marked the case Fail.", (_FAILED,), layer=UAT_LAYER),
    Category("Blocked in UAT", "A business user could not carry the case out.", (_BROKEN,), layer=UAT_LAYER),
    Category("UAT mark to re-check", "A stale or conflicting UAT mark.", (_UNKNOWN,), layer=UAT_LAYER),
    Category("Product defects", "A check failed: the system does not do what is expected.", (_FAILED,)),
    Category("Test defects", "The check itself broke before reaching a verdict.", (_BROKEN,)),
)


@dataclass(frozen=True)
class MergeSummary:
    """What a merge took in and wrote out."""

    results_in: int
    duplicates: int
    results_out: int
    environment_keys: int
    clashes: tuple[str, ...]
    problems: tuple[Problem, ...] = ()
    #: layer → status → count, over the results written.
    by_layer: dict[str, dict[str, int]] = field(default_factory=dict)


def merge_results(
    folders: Sequence[Path],
    out: Path,
    environment: Mapping[str, str],
    executor: Mapping[str, str] | None,
    finish: Callable[[Path], None] | None = None,
    secrets: Secrets = DEFAULT_SECRETS,
) -> MergeSummary:
    """Merge results folders into a fresh `out`: each test's last retry, environment, executor, categories.

    `finish` adds to the merged folder before it takes `out`'s place (the report's evidence manifest).
    The environment and executor are masked with `secrets`: a shard written before masking, or by another
    tool, may carry a base URL's password.
    """
    folders = list({folder.resolve(): folder for folder in folders}.values())
    if out.resolve() in {folder.resolve() for folder in folders}:
        raise UatkitError(f"{out}: the merged folder cannot also be a results folder; merge into another one")
    # One result at a time is read; only a brief of each (file, test, retry, layer, status) is held.
    found = read_result_briefs(folders)
    kept, problems = found.latest, list(found.problems)
    # Every result file is a kept, superseded or unreadable one: the folders are listed once.
    results_in = len(kept) + len(found.superseded) + len(problems)
    problems += [
        Problem(SourceLocation(str(f / "environment.xml")), "not merged", "write environment.properties")
        for f in folders
        if (f / "environment.xml").is_file()
    ]
    unreadable = {Path(p.location.path) for p in problems}
    superseded = [record.path for record in found.superseded]
    # An attachment only a superseded retry points at goes with it.
    dropped = {a for r in found.superseded for a in r.attachments} - {a for r in kept for a in r.attachments}
    skip = set(superseded) | unreadable
    clashes: list[str] = []
    copied: dict[str, Path] = {}
    with fresh_folder(out, lambda folder: (folder / MARKER).exists()) as target:
        for folder in folders:
            for path in sorted(folder.iterdir()):
                name = path.name
                if path in skip or name in dropped or name in _WRITTEN_ONCE or not _is_allure_file(path):
                    continue
                first = copied.get(name)
                if first is None:
                    place(path, target / name)
                    copied[name] = path
                elif not filecmp.cmp(first, path, shallow=False):
                    clashes.append(f"{name}: {first} and {path} differ; kept the first")
        shards = [read_properties(f / ENVIRONMENT_FILE) for f in folders]
        merged_env = mask(merge_environment(shards, environment), secrets)
        atomic_write_text(target / ENVIRONMENT_FILE, properties_text(merged_env))
        write_json(
            target / EXECUTOR_FILE, mask({"name": "uatkit", "type": "uatkit", **(executor or {})}, secrets)
        )
        write_json(target / CATEGORIES_FILE, allure2_categories())
        (target / MARKER).touch()
        if finish is not None:
            finish(target)
    by_layer: dict[str, Counter[str]] = {}
    for record in kept:
        by_layer.setdefault(record.layer or "(none)", Counter())[record.status] += 1
    return MergeSummary(
        results_in=results_in,
        duplicates=len(superseded),
        results_out=len(kept),
        environment_keys=len(merged_env),
        clashes=tuple(clashes),
        problems=tuple(problems),
        by_layer={layer: dict(counts) for layer, counts in sorted(by_layer.items())},
    )


def place(source: Path, target: Path) -> None:
    """Put a file's bytes at `target`: a hard link where the file system allows one, else a copy.

    Result files are written once and never changed in place, and the evidence manifest hashes the merged
    bytes: a link costs one directory entry where a copy reads and writes every byte.
    """
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def merge_environment(shards: Sequence[Mapping[str, str]], defaults: Mapping[str, str]) -> dict[str, str]:
    """Join the shards' environments key by key (differing values all kept); defaults fill missing keys."""
    values: dict[str, list[str]] = {}
    for shard in shards:
        for key, value in shard.items():
            seen = values.setdefault(key, [])
            if value and value not in seen:
                seen.append(value)
    # What the runs recorded wins over what the report's machine can only guess (its browser, its commit).
    for key, value in defaults.items():
        if value and not values.get(key):
            values[key] = [value]
    ordered = [*(k for k in defaults if k in values), *(k for k in values if k not in defaults)]
    return {key: " | ".join(values[key]) for key in ordered if values[key]}


def allure2_categories() -> list[dict[str, Any]]:
    """Return the categories as Allure 2 reads them from categories.json (no layer matcher there)."""
    return [
        {
            "name": c.name,
            "description": c.description,
            "matchedStatuses": list(c.statuses),
            # Allure 2 matches the whole message; [\s\S] spans lines in Java and JavaScript alike.
            **({"messageRegex": rf"[\s\S]*(?:{c.message})[\s\S]*"} if c.message else {}),
        }
        for c in CATEGORIES
        if not c.layer
    ]


def allure3_categories() -> list[dict[str, Any]]:
    """Return the categories as Allure 3 reads them from its configuration (`categories.rules`)."""
    rules = []
    for category in CATEGORIES:
        matcher: dict[str, Any] = {"statuses": list(category.statuses)}
        if category.message:
            matcher["message"] = category.message
        if category.layer:
            matcher["labels"] = {LAYER_LABEL: f"^{re.escape(category.layer)}$"}
        rules.append({"id": slug(category.name), "name": category.name, "matchers": matcher})
    return rules


def write_json(path: Path, data: Any) -> None:
    """Write a small JSON file (Allure metadata, its configuration) atomically."""
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def read_properties(path: Path) -> dict[str, str]:
    """Return the keys and values of a Java .properties file (empty when there is none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise UatkitError(f"{path}: cannot read it ({exc}); fix or delete it") from None
    # A line ending in an odd number of backslashes continues on the next one.
    text = re.sub(r"(?<!\\)((?:\\\\)*)\\\n[ \t\f]*", r"\1", text.replace("\r\n", "\n"))
    found: dict[str, str] = {}
    for line in text.split("\n"):
        line = line.lstrip(" \t\f")
        if not line or line[0] in "#!":
            continue
        match = re.match(r"((?:\\.|[^\\=:\s])*)\s*[=:]?\s*(.*)", line, re.S)
        assert match is not None  # the pattern matches every string
        found[_unescape(match.group(1))] = _unescape(match.group(2))
    return found


def properties_text(values: Mapping[str, str]) -> str:
    """Return a .properties file both Allure 2 (ISO-8859-1) and Allure 3 (UTF-8) read the same way."""
    lines = ["# Written by uatkit: the environment these results were produced in."]
    lines += [f"{_escape(key, True)}={_escape(value, False)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _escape(text: str, key: bool) -> str:
    out = []
    for n, char in enumerate(text):
        if char == "\\":
            out.append("\\\\")
        elif char in "\t\n\r\f":
            out.append("\\" + "tnrf"["\t\n\r\f".index(char)])
        elif char in "=:#!" or (char == " " and (key or n == 0)):
            out.append("\\" + char)
        elif not " " <= char <= "~":
            out.append("".join(f"\\u{unit:04x}" for unit in _utf16(char)))
        else:
            out.append(char)
    return "".join(out)


def _utf16(char: str) -> list[int]:
    data = char.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def _unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code.startswith("u") and len(code) == 5:
            return chr(int(code[1:], 16))
        return _PROPERTY_ESCAPES.get(code, code)

    decoded = re.sub(r"\\(u[0-9a-fA-F]{4}|.)", one, text, flags=re.S)
    # Surrogate pairs written as two \u escapes become one character again.
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16")


def _is_allure_file(path: Path) -> bool:
    # Hidden and half-written files are a writer's business; subfolders (Allure 2's history/) are not read.
    return path.is_file() and not path.name.startswith(".") and not path.name.endswith(".tmp")
