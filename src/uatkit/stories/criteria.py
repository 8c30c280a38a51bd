"""Turn the body of an acceptance criterion (Gherkin steps, tables, free text) into model parts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from uatkit.errors import Problem
from uatkit.gherkin.dialects import Keywords
from uatkit.model import Examples, SourceLocation, Step

_SEPARATOR_CELL = re.compile(r":?-{1,}:?\Z")
_PLACEHOLDER = re.compile(r"<([^<>\n]+)>")
# Gherkin's two doc string delimiters, and the other Markdown fence, which stories may use as well.
_DOCSTRING = ('"""', "```", "~~~")


@dataclass
class Body:
    """What a criterion's lines hold: steps with their tables, prose and an examples table."""

    steps: list[Step] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    examples: Examples | None = None
    #: A prose line came after a step: the steps and the prose were written as one text.
    prose_after_step: bool = False


def split_row(line: str) -> tuple[str, ...]:
    """Split a `| a | b |` table row into stripped cells, honouring `\\|` escapes."""
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    cells = re.split(r"(?<!\\)\|", inner)
    return tuple(cell.strip().replace("\\|", "|") for cell in cells)


def opening_fence(line: str) -> str | None:
    """Return the delimiter a line opens a doc string or fenced block with (at any indentation), if any."""
    text = line.strip()
    if not text.startswith(_DOCSTRING):
        return None
    # As in Markdown, a longer run opens a block that can hold shorter ones.
    return text[: len(text) - len(text.lstrip(text[0]))]


def closes(line: str, fence: str) -> bool:
    """Return True when a line closes a block opened with `fence`: a run at least as long, alone."""
    text = line.strip()
    return len(text) >= len(fence) and text == fence[0] * len(text)


def _is_separator(cells: tuple[str, ...]) -> bool:
    return bool(cells) and all(_SEPARATOR_CELL.match(c) for c in cells)


def parse_body(
    lines: list[tuple[int, str]], kw: Keywords, where: SourceLocation, problems: list[Problem]
) -> Body:
    """Parse a criterion's numbered lines; problems are appended, never raised."""
    body = Body()
    examples_label = f"{kw.examples}:"
    i = 0
    expect_examples = False
    while i < len(lines):
        number, raw = lines[i]
        line = raw.strip()
        if not line:
            i += 1
            continue
        fence = opening_fence(line) if body.steps else None
        if fence is not None:
            # The story reader hides the same blocks from its heading search (markdown._masked).
            doc: list[str] = []
            i += 1
            while i < len(lines) and not closes(lines[i][1], fence):
                doc.append(lines[i][1].strip())
                i += 1
            if i == len(lines):
                problems.append(
                    Problem(where.at_line(number), f"{fence} opened here is never closed", "close it")
                )
            last = body.steps[-1]
            body.steps[-1] = Step(last.kind, last.keyword, last.text, last.table, "\n".join(doc))
            i += 1
            continue
        if line.startswith("|"):
            start = i
            follows_step = (
                bool(body.steps) and i > 0 and lines[i - 1][1].strip() != "" and not expect_examples
            )
            rows: list[tuple[str, ...]] = []
            while i < len(lines) and lines[i][1].strip().startswith("|"):
                rows.append(split_row(lines[i][1]))
                i += 1
            has_separator = len(rows) > 1 and _is_separator(rows[1])
            if has_separator or expect_examples:
                table = [r for r in rows if not _is_separator(r)]
                _set_examples(body, table, where.at_line(lines[start][0]), problems)
                expect_examples = False
            elif follows_step and not body.examples:
                ragged = next((j for j, row in enumerate(rows) if len(row) != len(rows[0])), None)
                if ragged is not None:
                    problems.append(
                        Problem(
                            where.at_line(lines[start + ragged][0]),
                            f"this data table row has {len(rows[ragged])} cells, "
                            f"the first row has {len(rows[0])}",
                            "give every row of the table the same number of cells",
                        )
                    )
                last = body.steps[-1]
                body.steps[-1] = Step(last.kind, last.keyword, last.text, tuple(rows), last.docstring)
            elif body.steps:
                problems.append(
                    Problem(
                        where.at_line(lines[start][0]),
                        "a table here is neither a step's data table nor an examples table",
                        "put a data table right under its step, or give an examples table a |---| row",
                    )
                )
            else:
                body.prose.extend(lines[j][1].strip() for j in range(start, i))
            continue
        if line == examples_label or (line.startswith(examples_label) and body.steps):
            expect_examples = True
            i += 1
            continue
        match = kw.match_step(line)
        if match:
            kind, keyword, text = match
            body.steps.append(Step(kind, keyword, text))
        else:
            body.prose.append(line)
            body.prose_after_step = body.prose_after_step or bool(body.steps)
        i += 1
    if body.examples is not None:
        _check_placeholders(body, where, problems)
    return body


def _set_examples(
    body: Body, table: list[tuple[str, ...]], where: SourceLocation, problems: list[Problem]
) -> None:
    if body.examples is not None:
        problems.append(Problem(where, "a second examples table", "use one examples table per criterion"))
        return
    if not body.steps:
        problems.append(
            Problem(where, "an examples table before any step", "write the steps above the table")
        )
        return
    header, rows = table[0], table[1:]
    if not rows:
        problems.append(Problem(where, "an examples table with a header but no rows", "add at least one row"))
        return
    if any(not h for h in header) or len(set(header)) != len(header):
        problems.append(
            Problem(where, "examples table headers must be unique and non-empty", "name every column")
        )
        return
    for offset, row in enumerate(rows, start=2):
        if len(row) != len(header):
            problems.append(
                Problem(
                    where.at_line((where.line or 0) + offset),
                    f"this examples row has {len(row)} cells, the header has {len(header)}",
                    "give every row one cell per column",
                )
            )
            return
    body.examples = Examples(header=header, rows=tuple(rows))


def _check_placeholders(body: Body, where: SourceLocation, problems: list[Problem]) -> None:
    assert body.examples is not None
    columns = set(body.examples.header)
    for step in body.steps:
        texts = [step.text, step.docstring or "", *(c for row in step.table for c in row)]
        for name in sorted({m for t in texts for m in _PLACEHOLDER.findall(t)}):
            if name not in columns:
                problems.append(
                    Problem(
                        where,
                        f"step '{step.keyword} {step.text}' uses <{name}>, "
                        "which is not a column of the examples table",
                        f"add a '{name}' column or fix the placeholder; "
                        f"columns: {', '.join(body.examples.header)}",
                    )
                )
