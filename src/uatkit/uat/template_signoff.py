"""Read the client's sign-off block from its own template: the cells the mapping's `[signoff]` names.

The checks are a pack's Sign-off sheet's (`uatkit.uat.reader`): a known decision word, a name and a date
with a decision, the date a real day not in the future, conditions with Accepted with conditions; every
problem at its cell. The sign-off is recorded for the template's pack as a pack's is.
"""

from __future__ import annotations

import datetime as dt

from uatkit.errors import Problem
from uatkit.model import Decision, SignOff
from uatkit.stories.excel import Cell, text_of
from uatkit.uat import layout
from uatkit.uat.checks import Sheet, check_signoff
from uatkit.uat.pack import PackInfo, ReadPack
from uatkit.uat.template_mapping import SignoffSpec, TemplateMapping, cell_position, normal

_FIELDS = ("decision", "name", "date", "conditions")


def read_signoff(
    cells: list[list[Cell]],
    sheet: Sheet,
    mapping: TemplateMapping,
    spec: SignoffSpec,
    info: PackInfo,
    today: dt.date,
    earliest: dt.date,
    out: ReadPack,
) -> None:
    """Set `out.signoff` from the cells `spec` names; append each problem at its cell."""
    language = info.language
    refs = {key: getattr(spec, key) for key in _FIELDS if getattr(spec, key)}
    value: dict[str, Cell] = {key: _cell(cells, ref) for key, ref in refs.items()}
    text = {key: normal(text_of(value.get(key, ""))) for key in _FIELDS}
    # The conditions keep their lines: they are what the business owner wrote.
    text["conditions"] = text_of(value.get("conditions", "")).strip()
    label = {f.key: f.label(language) for f in layout.SIGNOFF_FIELDS}

    def error(key: str, message: str) -> None:
        ref = refs[key]
        row, _ = cell_position(ref)
        out.errors.append(Problem(sheet.at(ref.rstrip("0123456789"), row + 1), message))

    decision = mapping.decision(text["decision"]) if text["decision"] else None
    if text["decision"] and decision is None:
        words = mapping.decision_words(language)
        choices = "; ".join(f"{', '.join(words[d])} ({d.value})" for d in Decision)
        error(
            "decision",
            f"unknown decision {text['decision']!r}; write one of: {choices} (or add the word under "
            f"[signoff.decisions] in {mapping.path})",
        )
    date = check_signoff(value["date"], text, label, today, earliest, error)
    if decision is Decision.WITH_CONDITIONS and not text["conditions"]:
        chosen = text["decision"]
        if "conditions" in refs:
            error("conditions", f"{chosen} needs the {label['conditions']}; write them")
        else:
            error(
                "decision",
                f"{chosen} needs the {label['conditions']}, and the mapping names no cell for them; set "
                f'conditions = "…" under [signoff] in {mapping.path}',
            )
    out.signoff = SignOff(
        pack_id=info.pack_id,
        owner=info.owner,
        decision=decision,
        conditions=text["conditions"],
        name=text["name"],
        date=date,
    )


def _cell(cells: list[list[Cell]], ref: str) -> Cell:
    row, column = cell_position(ref)
    if row < len(cells) and column < len(cells[row]):
        return cells[row][column]
    return ""
