"""Property tests: every valid story renders to Gherkin that parses back to the same story."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

import pytest
from gherkin.parser import Parser
from hypothesis import given, settings
from hypothesis import strategies as st

from uatkit.config import Config
from uatkit.gherkin.dialects import Keywords, docstring_fence, keywords
from uatkit.gherkin.render import render_feature
from uatkit.gherkin.sync import read_header
from uatkit.model import LEVEL_TAGS, Criterion, Examples, Level, SourceLocation, Step, Story
from uatkit.stories import load_catalogue

# The database stays off so that a test run leaves no .hypothesis folder in the checkout.
PROPERTY = settings(max_examples=150, deadline=None, database=None)
LANGUAGES = ("en", "zh-CN")
LEVEL_ORDER = ("unit", "integration", "e2e", "manual")
PLACEHOLDER = re.compile(r"<([^<>\n]+)>")
# What Gherkin turns back into """ inside a """ doc string (see the xfail test at the end).
ESCAPED_QUOTES = '\\"\\"\\"'

# Text that has broken generators before: quotes, markup, table syntax, spreadsheet formula starts,
# Gherkin's own keywords and comment/tag marks, full-width and non-breaking spaces, CJK and emoji.
SNIPPETS = (
    '"',
    "'",
    '"""',
    "```",
    ESCAPED_QUOTES,
    "\\`\\`\\`",
    "<script>alert(1)</script>",
    "|",
    "\\",
    "\\|",
    "\\n",
    "=",
    "=SUM(A1:A3)",
    "+",
    "-",
    "@",
    "#",
    "Scenario:",
    "Feature:",
    "Examples:",
    "Given ",
    "And ",
    "* ",
    "场景:",
    "例子:",
    "假如",
    "当",
    "<",
    ">",
    " ",
    "\t",
    "\u3000",
    "\u00a0",
    "订单已确认",
    "é",
    "😀",
)
# Printable text: no control characters (a tab is added above), surrogates, private use or line separators.
CHARACTERS = st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"))
ATOMS = st.one_of(
    st.sampled_from(SNIPPETS),
    CHARACTERS,
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.text(string.ascii_letters + string.digits, min_size=1, max_size=8),
)
RAW_LINE = st.lists(ATOMS, max_size=10).map("".join)
STRIPPED = RAW_LINE.map(str.strip)
NON_EMPTY = STRIPPED.filter(bool)
COLLAPSED = RAW_LINE.map(lambda text: " ".join(text.split())).filter(bool)
NO_SPACE = st.text(CHARACTERS.filter(lambda ch: not ch.isspace() and ch != "@"), min_size=1, max_size=10)
STORY_IDS = st.one_of(st.from_regex(r"REQ-[0-9]{1,4}", fullmatch=True), NO_SPACE)
CRITERION_IDS = st.from_regex(r"[A-Za-z][\w.-]{0,8}", fullmatch=True)
TAGS = NO_SPACE.filter(lambda tag: tag.lower() not in LEVEL_TAGS)
STEP_LEVELS = st.lists(st.sampled_from(list(Level)), min_size=1, max_size=4, unique=True).map(tuple)


def _round_trips(docstring: str) -> bool:
    # The validator refuses the rare text that neither delimiter keeps (a test below shows it).
    return docstring_fence(docstring) is not None


DOCSTRINGS = st.lists(STRIPPED, max_size=4).map("\n".join).filter(_round_trips)
FREE_TEXT = st.lists(NON_EMPTY, min_size=1, max_size=4).map("\n".join).filter(_round_trips)


def _safe(line: str, ok: bool) -> str:
    # A leading mark that no dialect reads as structure keeps the rest of the line adversarial.
    return line if ok else f"» {line}"


def _placeholders_only(text: str, columns: tuple[str, ...]) -> str:
    """Return `text` with every <name> that is not a column defused, as the validator demands."""
    while True:
        found = [m for m in PLACEHOLDER.finditer(text) if m.group(1) not in columns]
        if not found:
            return text
        m = found[0]
        text = f"{text[: m.start()]}‹{m.group(1)}›{text[m.end() :]}"


@st.composite
def step_strategy(draw: st.DrawFn, kw: Keywords, columns: tuple[str, ...] | None) -> Step:
    keyword, kind = draw(st.sampled_from(kw.steps))
    text = draw(NON_EMPTY)
    table: tuple[tuple[str, ...], ...] = ()
    if draw(st.booleans()):
        width = draw(st.integers(1, 3))
        table = tuple(
            tuple(draw(st.lists(STRIPPED, min_size=width, max_size=width)))
            for _ in range(draw(st.integers(1, 3)))
        )
    docstring = draw(st.none() | DOCSTRINGS)
    if columns is not None:
        usable = [c for c in columns if "<" not in c and ">" not in c]
        if usable and draw(st.booleans()):
            text = f"{text} <{draw(st.sampled_from(usable))}>"
        text = _placeholders_only(text, columns)
        table = tuple(tuple(_placeholders_only(c, columns) for c in row) for row in table)
        if docstring is not None:
            docstring = _placeholders_only(docstring, columns)
    return Step(kind, keyword.strip(), text, table, docstring)


@st.composite
def criterion_strategy(draw: st.DrawFn, kw: Keywords, ident: str) -> Criterion:
    where = SourceLocation("stories/story.md", 7)
    title = draw(COLLAPSED)
    tags = tuple(draw(st.lists(TAGS, max_size=3, unique=True)))
    kind = draw(st.sampled_from(["steps", "outline", "free text"]))
    if kind == "free text":
        return Criterion(ident, title, where, text=draw(FREE_TEXT), levels=(Level.MANUAL,), tags=tags)
    examples = None
    if kind == "outline":
        header = tuple(draw(st.lists(NON_EMPTY, min_size=1, max_size=3, unique=True)))
        rows = tuple(
            tuple(draw(st.lists(STRIPPED, min_size=len(header), max_size=len(header))))
            for _ in range(draw(st.integers(1, 4)))
        )
        examples = Examples(header, rows)
    description = [
        _safe(line, kw.safe_description_line(line)) for line in draw(st.lists(NON_EMPTY, max_size=2))
    ]
    steps = tuple(
        draw(step_strategy(kw, examples.header if examples else None)) for _ in range(draw(st.integers(1, 4)))
    )
    return Criterion(
        ident,
        title,
        where,
        steps=steps,
        description="\n".join(description),
        examples=examples,
        levels=draw(STEP_LEVELS),
        tags=tags,
    )


@st.composite
def story_strategy(draw: st.DrawFn) -> Story:
    language = draw(st.sampled_from(LANGUAGES))
    kw = keywords(language)
    narrative = [_safe(line, kw.safe_narrative_line(line)) for line in draw(st.lists(NON_EMPTY, max_size=4))]
    idents = draw(st.lists(CRITERION_IDS, max_size=4, unique=True))
    return Story(
        id=draw(STORY_IDS),
        title=draw(COLLAPSED),
        source=SourceLocation("stories/story.md", 1),
        narrative=tuple(narrative),
        language=language,
        criteria=tuple(draw(criterion_strategy(kw, ident)) for ident in idents),
    )


SOURCES = NON_EMPTY.map(lambda name: f"stories/{name}.md")


def _lines(description: str) -> list[str]:
    return [line.strip() for line in description.split("\n")] if description else []


def _cells(rows: list[dict[str, Any]]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(cell["value"] for cell in row["cells"]) for row in rows)


def _expected_tags(story: Story, criterion: Criterion) -> list[str]:
    levels = [name for name in LEVEL_ORDER if Level(name) in criterion.levels]
    return [
        f"@case:{story.id}.{criterion.id}",
        *(f"@{t}" for t in levels),
        *(f"@{t}" for t in criterion.tags),
    ]


def _check_steps(parsed: list[dict[str, Any]], steps: tuple[Step, ...]) -> None:
    assert len(parsed) == len(steps)
    for node, step in zip(parsed, steps, strict=True):
        assert (node["keyword"].strip(), node["text"]) == (step.keyword, step.text)
        assert _cells(node.get("dataTable", {}).get("rows", [])) == step.table
        assert node.get("docString", {}).get("content") == step.docstring


def _check_scenario(node: dict[str, Any], story: Story, criterion: Criterion, kw: Keywords) -> None:
    assert node["keyword"] == (kw.outline if criterion.examples else kw.scenario)
    assert node["name"] == f"{criterion.id} {criterion.title}"
    assert [tag["name"] for tag in node["tags"]] == _expected_tags(story, criterion)
    if criterion.steps:
        assert _lines(node["description"]) == [line for line in criterion.description.split("\n") if line]
        _check_steps(node["steps"], criterion.steps)
    elif node["steps"]:
        # Free text that Gherkin would misread is kept verbatim in the doc string of one Given step.
        assert node["description"] == ""
        given = kw.step_keyword("given", "")
        _check_steps(node["steps"], (Step("given", given, criterion.title, docstring=criterion.text),))
    else:
        assert _lines(node["description"]) == criterion.text.split("\n")
    if criterion.examples:
        (examples,) = node["examples"]
        assert examples["keyword"] == kw.examples
        assert _cells([examples["tableHeader"]]) == (criterion.examples.header,)
        assert _cells(examples["tableBody"]) == criterion.examples.rows
    else:
        assert node["examples"] == []


@PROPERTY
@given(story=story_strategy(), source=SOURCES)
def test_rendered_feature_parses_back_to_the_story(story: Story, source: str) -> None:
    kw = keywords(story.language)
    feature = Parser().parse(render_feature(story, source))["feature"]
    assert feature["language"] == story.language
    assert [tag["name"] for tag in feature["tags"]] == [f"@{story.id}"]
    assert feature["name"].startswith(f"{story.id} ")
    assert feature["name"][len(story.id) + 1 :] == story.title
    assert _lines(feature["description"]) == list(story.narrative)
    scenarios = [child["scenario"] for child in feature["children"]]
    assert len(scenarios) == len(feature["children"]) == len(story.criteria)
    for node, criterion in zip(scenarios, story.criteria, strict=True):
        _check_scenario(node, story, criterion, kw)


@PROPERTY
@given(story=story_strategy(), source=SOURCES)
def test_rendering_is_deterministic(story: Story, source: str) -> None:
    assert render_feature(story, source).encode() == render_feature(story, source).encode()


@PROPERTY
@given(story=story_strategy(), source=SOURCES, data=st.data())
def test_fingerprint_detects_every_body_edit(story: Story, source: str, data: st.DataObject) -> None:
    text = render_feature(story, source)
    header = read_header(text)
    assert header is not None
    assert (header.story_id, header.source, header.edited) == (story.id, source, False)
    lines = text.split("\n")
    first_body = lines.index(f"@{story.id}")
    index = data.draw(st.integers(first_body, len(lines) - 1), label="line")
    edit = data.draw(
        st.sampled_from(["append space", "append text", "delete", "duplicate", "blank"]), label="edit"
    )
    edited = list(lines)
    if edit == "append space":
        edited[index] += " "
    elif edit == "append text":
        edited[index] += data.draw(NON_EMPTY, label="text")
    elif edit == "delete":
        del edited[index]
    elif edit == "duplicate":
        edited.insert(index, lines[index])
    else:
        edited.insert(index, "")
    after = read_header("\n".join(edited))
    assert after is not None
    assert after.edited


# Bugs the properties found through stories that the validator accepts: each is the smallest story
# that shows it, read from Markdown as a user would write it.


def _render_markdown(root: Path, body: str) -> str:
    (root / "stories").mkdir()
    (root / "stories" / "REQ-1.md").write_text(f"---\nid: REQ-1\n---\n# A story\n\n{body}", encoding="utf-8")
    (story,) = load_catalogue(Config(root=root)).stories
    return render_feature(story, "stories/REQ-1.md")


def test_ragged_data_table_is_refused_with_its_line(tmp_path: Path) -> None:
    from uatkit.errors import InputError

    body = "## AC-1 Prices\nGiven the prices\n| product | price |\n| Widget |\nThen all is well\n"
    with pytest.raises(InputError) as caught:
        _render_markdown(tmp_path, body)
    (problem,) = caught.value.problems
    assert str(problem).startswith("stories/REQ-1.md:9: this data table row has 1 cells, the first row has 2")


def test_docstring_with_escaped_quotes_round_trips(tmp_path: Path) -> None:
    body = '## AC-1 Script\nGiven the script\n```\nprint("\\"\\"\\"")\n```\nThen it runs\n'
    text = _render_markdown(tmp_path, body)
    step = Parser().parse(text)["feature"]["children"][0]["scenario"]["steps"][0]
    assert step["docString"]["content"] == 'print("\\"\\"\\"")'


def test_text_no_doc_string_can_keep_is_refused(tmp_path: Path) -> None:
    from uatkit.errors import InputError

    body = '## AC-1 Script\nGiven the script\n"""\nboth \\"\\"\\" and \\`\\`\\`\n"""\nThen it runs\n'
    with pytest.raises(InputError) as caught:
        _render_markdown(tmp_path, body)
    assert "no Gherkin doc string keeps exactly" in str(caught.value)
