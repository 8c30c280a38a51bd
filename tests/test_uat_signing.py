"""Signed pack metadata: packs exported by the real command, edited with openpyxl as an attacker would,
imported through the CLI into a real SQLite ledger (issue 10, problem 6)."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import sqlite3
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import write
from tests.test_uat_roundtrip import STORY_EN, STORY_ZH, TODAY, fill, invoke, passed, status_json, uat
from tests.uat_helpers import sample_cases, write_pack
from uatkit.uat import layout
from uatkit.uat.ledger import Ledger
from uatkit.uat.ledger_schema import MIGRATIONS
from uatkit.uat.pack import PackInfo, PackRow
from uatkit.uat.reader import read_pack
from uatkit.uat.signing import ProjectKey, Seal, check_seal, payload

META = layout.SHEET_LABELS["meta"]["en"]
CASES = layout.SHEET_LABELS["cases"]["en"]


@pytest.fixture
def uat_project(project: Path) -> Path:
    """Return a project with an English must story and a Chinese manual one, features generated."""
    write(project / "stories" / "REQ-1.md", STORY_EN)
    write(project / "stories" / "REQ-2.md", STORY_ZH)
    invoke(project, "generate")
    return project


def packs(project: Path, release: str = "R1") -> Path:
    return project / "uat_packs" / release


def ledger(project: Path) -> sqlite3.Connection:
    return sqlite3.connect(project / "reports" / "uat.db")


def counts(project: Path) -> dict[str, int]:
    """Return how many rows the ledger's tables of recorded evidence hold."""
    with ledger(project) as conn:
        return {
            table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in ("imports", "marks", "signoffs", "trusted_files")
        }


def edit_meta(path: Path, values: Mapping[str, str] = {}, delete: Sequence[str] = ()) -> None:
    """Change the hidden sheet's values and delete case rows from both sheets, as an attacker would."""
    workbook = load_workbook(path)
    meta, cases = workbook[META], workbook[CASES]
    for row in range(meta.max_row, 0, -1):
        name = meta.cell(row, 1).value
        if name in values:
            meta.cell(row, 2).value = values[name]
        if name in delete:
            meta.delete_rows(row)
    for row in range(cases.max_row, 1, -1):
        if cases.cell(row, 1).value in delete:
            cases.delete_rows(row)
    workbook.save(path)


def meta_values(path: Path) -> dict[str, object]:
    return {row[0]: row[1] for row in load_workbook(path)[META].iter_rows(values_only=True) if row[0]}


def test_an_untouched_pack_filled_in_imports_as_before(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    sales = packs(uat_project) / "R1-sales.xlsx"
    # Every cell a tester may edit, sign-off included: none of them is signed.
    fill(
        sales,
        {
            "REQ-1.AC-1": passed() | {"actual": "29.97", "comments": "fine", "defect": "BUG-1"},
            "REQ-1.AC-2#1": {"status": "Fail", "tester": "Li Wei", "date": TODAY, "actual": "took 0"},
        },
        {"owner": "Someone else", "decision": "Rejected", "name": "Ann Lee", "date": TODAY},
    )
    result = uat(uat_project, "import", str(sales))
    assert "imported" in result.output and "error" not in result.output
    assert counts(uat_project) == {"imports": 1, "marks": 2, "signoffs": 1, "trusted_files": 0}


def test_the_key_is_made_once_kept_only_in_the_ledger_and_never_shown(uat_project: Path) -> None:
    first = uat(uat_project, "export", "--release", "R1")
    with ledger(uat_project) as conn:
        (secret,) = conn.execute("SELECT secret FROM project_key").fetchone()
    second = uat(uat_project, "export", "--release", "R2")
    with ledger(uat_project) as conn:
        assert conn.execute("SELECT secret FROM project_key").fetchall() == [(secret,)]
    key = ProjectKey(secret)
    assert len(secret) == 32 and secret.hex() not in repr(key) and key.key_id in repr(key)
    forms = (secret, secret.hex().encode(), secret.hex().upper().encode(), base64.b64encode(secret))
    for pack in [*packs(uat_project).glob("*.xlsx"), *packs(uat_project, "R2").glob("*.xlsx")]:
        with zipfile.ZipFile(pack) as archive:
            content = b"".join(archive.read(name) for name in archive.namelist())
        assert not any(form in content for form in forms), pack
        assert meta_values(pack)["key_id"] == key.key_id
    for output in (first.output, second.output):
        assert secret.hex() not in output


def test_the_signature_covers_the_metadata_in_one_documented_encoding() -> None:
    info = PackInfo(
        "R1-sales", "R1", "Sales", "Ops", "en", "shop", dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    )
    rows = [PackRow("REQ-1.AC-1", 2, "sha256:ab", ("0a", "0b")), PackRow("REQ-1.AC-2#1", 3, "sha256:cd")]
    assert payload(info, rows) == (
        b'{"format":"uatkit-pack-metadata/1","pack":{"commit":"","due":"","generated_at":'
        b'"2026-11-01T09:00:00+00:00","group":"Sales","language":"en","owner":"Ops","pack_id":"R1-sales",'
        b'"project":"shop","release":"R1","schema":1},"rows":[["REQ-1.AC-1",2,"sha256:ab","0a 0b"],'
        b'["REQ-1.AC-2#1",3,"sha256:cd",""]]}'
    )
    # Text moved from one field to the next is another payload: every value is quoted on its own.
    moved = PackInfo("R1-sales", "R1", "Sale", "sOps", "en", "shop", info.generated_at)
    assert payload(moved, rows) != payload(info, rows)
    key = ProjectKey(bytes(range(32)))
    signed = key.sign(payload(info, rows))
    assert check_seal(key, info, rows, key.key_id, signed) is Seal.VALID
    assert check_seal(key, moved, rows, key.key_id, signed) is Seal.CHANGED
    assert check_seal(key, info, rows[:1], key.key_id, signed) is Seal.CHANGED
    assert check_seal(ProjectKey(bytes(32)), info, rows, key.key_id, signed) is Seal.OTHER_KEY
    assert check_seal(key, info, rows, "", "") is Seal.UNSIGNED


def test_a_hand_built_pack_signed_by_the_same_code_verifies(tmp_path: Path) -> None:
    key = ProjectKey.new()
    signed = read_pack(write_pack(tmp_path, key=key))
    assert signed.ok
    assert check_seal(key, signed.info, signed.rows, signed.key_id, signed.signature) is Seal.VALID  # type: ignore[arg-type]
    changed = read_pack(write_pack(tmp_path, "changed.xlsx", key=key, meta={"release": "R2"}))
    assert check_seal(key, changed.info, changed.rows, changed.key_id, changed.signature) is Seal.CHANGED  # type: ignore[arg-type]
    unsigned = read_pack(write_pack(tmp_path, "old.xlsx", cases=sample_cases(2)))
    assert (unsigned.key_id, unsigned.signature) == ("", "")


def test_a_pack_id_set_to_another_packs_is_refused_and_nothing_is_stored_under_it(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    sales = packs(uat_project) / "R1-sales.xlsx"
    fill(sales, {"REQ-1.AC-1": passed()}, {"decision": "Accepted", "name": "Ann Lee", "date": TODAY})
    edit_meta(sales, {"pack_id": "R1-reporting"})

    result = uat(uat_project, "import", str(packs(uat_project)), code=2)

    assert f"error: {sales} was not imported" in result.output
    assert (
        f"{sales} › _uatkit: the pack's signed metadata was changed after export: pack ID 'R1-sales' → "
        "'R1-reporting' (compared with pack 'R1-sales' as exported at "
    ) in result.output
    assert "nothing was imported" in result.output
    assert counts(uat_project) == {"imports": 1, "marks": 0, "signoffs": 0, "trusted_files": 0}
    data = status_json(uat_project)
    assert {row["pack"]: (row["cases"], row["executed"]) for row in data["packs"]} == {
        "R1-reporting": (1, 0),
        "R1-sales": (3, 0),
    }


def test_a_later_generated_at_and_deleted_rows_are_refused_and_the_pack_keeps_its_rows(
    uat_project: Path,
) -> None:
    uat(uat_project, "export", "--release", "R1")
    sales = packs(uat_project) / "R1-sales.xlsx"
    fill(sales, {"REQ-1.AC-1": passed()})
    edit_meta(sales, {"generated_at": "2099-01-01T00:00:00+00:00"}, delete=["REQ-1.AC-2#1", "REQ-1.AC-2#2"])

    result = uat(uat_project, "import", str(sales), code=2)

    assert "generated-at '" in result.output and "→ '2099-01-01T00:00:00+00:00'" in result.output
    assert "rows deleted: REQ-1.AC-2#1, REQ-1.AC-2#2" in result.output
    assert counts(uat_project)["marks"] == 0
    sales_row = next(row for row in status_json(uat_project)["packs"] if row["pack"] == "R1-sales")
    assert (sales_row["cases"], sales_row["executed"]) == (3, 0)
    with ledger(uat_project) as conn:
        (generated,) = conn.execute("SELECT generated_at FROM packs WHERE pack_id = 'R1-sales'").fetchone()
    assert not generated.startswith("2099")


def test_current_fingerprints_copied_into_an_old_pack_are_refused(uat_project: Path, tmp_path: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    sales = packs(uat_project) / "R1-sales.xlsx"
    old = tmp_path / "returned" / "R1-sales.xlsx"
    old.parent.mkdir()
    shutil.copy2(sales, old)
    story = uat_project / "stories" / "REQ-1.md"
    story.write_text(story.read_text(encoding="utf-8").replace("29.97", "32.97"), encoding="utf-8")
    invoke(uat_project, "generate")
    uat(uat_project, "export", "--release", "R1")
    current = {row.key: row.fingerprint for row in read_pack(sales).rows}
    fill(old, {"REQ-1.AC-1": passed()})
    untouched = old.with_name("untouched.xlsx")
    shutil.copy2(old, untouched)
    workbook = load_workbook(old)
    meta = workbook[META]
    for row in meta.iter_rows():
        if row[0].value in current:
            row[2].value = current[str(row[0].value)]
    workbook.save(old)

    result = uat(uat_project, "import", str(old), code=2)

    assert "fingerprint changed: REQ-1.AC-1" in result.output
    assert counts(uat_project)["marks"] == 0
    # The same old pack as exported imports, its mark stale: it was made against the old scenario.
    result = uat(uat_project, "import", str(untouched))
    assert (
        "imported" in result.output and "changed in the project since this pack was exported" in result.output
    )
    sales_row = next(row for row in status_json(uat_project)["packs"] if row["pack"] == "R1-sales")
    assert (sales_row["pass"], sales_row["stale"]) == (0, 1)


def test_a_pack_exported_by_another_project_is_refused(uat_project: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(uat_project, other, ignore=shutil.ignore_patterns("reports", "uat_packs"))
    uat(other, "export", "--release", "R1")
    foreign = packs(other) / "R1-sales.xlsx"
    fill(foreign, {"REQ-1.AC-1": passed()}, {"decision": "Accepted", "name": "Ann Lee", "date": TODAY})

    result = uat(uat_project, "import", str(foreign), code=2)
    assert "the pack comes from another project or ledger: it was signed with key " in result.output
    assert "this ledger exported no pack 'R1-sales'" in result.output
    assert f"uatkit uat trust {foreign} --by NAME --reason TEXT" in result.output

    uat(uat_project, "export", "--release", "R1")
    result = uat(uat_project, "import", str(foreign), code=2)
    assert "this ledger's pack 'R1-sales' is its own, exported here" in result.output
    assert counts(uat_project) == {"imports": 0, "marks": 0, "signoffs": 0, "trusted_files": 0}


def test_a_changed_pack_whose_signature_was_changed_too_is_refused(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    sales = packs(uat_project) / "R1-sales.xlsx"
    edit_meta(sales, {"release": "R9", "signature": "hmac-sha256:" + "0" * 64})
    result = uat(uat_project, "import", str(sales), code=2)
    assert "release 'R1' → 'R9'" in result.output
    assert "its signature is not one this ledger made either" in result.output
    edit_meta(sales, {"pack_id": "R1-nowhere"})
    result = uat(uat_project, "import", str(sales), code=2)
    assert (
        "this ledger exported no pack 'R1-nowhere': it comes from another project or ledger" in result.output
    )


def test_an_unsigned_pack_is_refused_until_someone_trusts_that_file(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    sales = packs(uat_project) / "R1-sales.xlsx"
    # A pack written before packs were signed: the same layout without the key ID and signature rows.
    edit_meta(sales, delete=["key_id", "signature"])
    fill(sales, {"REQ-1.AC-1": passed()})

    refused = uat(uat_project, "import", str(sales), code=2)
    assert "the pack is not signed (written by a uatkit before packs were signed" in refused.output
    assert f"uatkit uat trust {sales} --by NAME --reason TEXT" in refused.output
    assert counts(uat_project)["marks"] == 0

    trusted = uat(
        uat_project, "trust", str(sales), "--by", "Ann Lee", "--reason", "filled before the upgrade"
    )
    assert "accepted on trust by Ann Lee" in trusted.output and "imported" in trusted.output
    with ledger(uat_project) as conn:
        row = conn.execute("SELECT sha256, pack_id, seal, trusted_by, reason FROM trusted_files").fetchone()
    assert row == (read_pack(sales).sha256, "R1-sales", "unsigned", "Ann Lee", "filled before the upgrade")
    assert counts(uat_project)["marks"] == 1
    again = uat(uat_project, "import", str(sales))
    # The result column may wrap in a narrow terminal ("already" / "imported" on two lines).
    assert "already" in again.output and counts(uat_project)["marks"] == 1

    # Any change makes another file: refused again until trusted again.
    fill(sales, {"REQ-1.AC-2#1": passed()})
    uat(uat_project, "import", str(sales), code=2)
    assert counts(uat_project)["marks"] == 1


def test_a_lost_ledger_is_recovered_only_by_trusting_each_pack(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    sales = packs(uat_project) / "R1-sales.xlsx"
    fill(sales, {"REQ-1.AC-1": passed(), "REQ-1.AC-2#1": passed()})
    for path in (uat_project / "reports").glob("uat.db*"):
        path.unlink()

    result = uat(uat_project, "import", str(sales), code=2)
    assert "another project or ledger" in result.output and "ledger was lost or replaced" in result.output
    result = uat(uat_project, "trust", str(sales), "--by", "Ann Lee", "--reason", "ledger disk failed")
    assert "(signed by another ledger): ledger disk failed" in result.output
    assert counts(uat_project) == {"imports": 1, "marks": 2, "signoffs": 0, "trusted_files": 1}
    # The new ledger signs what it exports from now on with its own key.
    uat(uat_project, "export", "--release", "R2")
    fill(packs(uat_project, "R2") / "R2-sales.xlsx", {"REQ-1.AC-2#2": passed()})
    uat(uat_project, "import", str(packs(uat_project, "R2")))
    assert counts(uat_project)["marks"] == 3


def test_trust_never_accepts_a_pack_this_ledger_signed_and_someone_changed(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    sales = packs(uat_project) / "R1-sales.xlsx"
    edit_meta(sales, {"pack_id": "R1-reporting"})
    result = uat(uat_project, "trust", str(sales), "--by", "Mallory", "--reason", "trust me", code=2)
    assert f"error: {sales}: cannot be trusted: the pack's signed metadata was changed" in result.output
    assert counts(uat_project)["trusted_files"] == 0


def test_trust_says_when_there_is_nothing_to_trust_and_needs_who_and_why(uat_project: Path) -> None:
    uat(uat_project, "export", "--release", "R1")
    sales = packs(uat_project) / "R1-sales.xlsx"
    result = uat(uat_project, "trust", str(sales), "--by", "Ann", "--reason", "sure", code=2)
    assert "signed by this project and its metadata is as exported; nothing to trust" in result.output
    result = uat(uat_project, "trust", str(sales), "--by", "Ann", "--reason", "  ", code=2)
    assert "error: say who accepts the pack and why: --reason TEXT is empty" in result.output
    assert counts(uat_project) == {"imports": 0, "marks": 0, "signoffs": 0, "trusted_files": 0}


def test_a_ledger_from_before_signing_gets_its_key_on_the_first_export(uat_project: Path) -> None:
    path = uat_project / "reports" / "uat.db"
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as conn:
        conn.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    uat(uat_project, "export", "--release", "R1")
    with Ledger.open(path) as opened:
        key = opened.seals.key()
        assert [r["pack"]["pack_id"] for r in opened.seals.revisions("R1-sales")] == ["R1-sales"]
    assert meta_values(packs(uat_project) / "R1-sales.xlsx")["key_id"] == key.key_id
    fill(packs(uat_project) / "R1-sales.xlsx", {"REQ-1.AC-1": passed()})
    uat(uat_project, "import", str(packs(uat_project)))
    assert counts(uat_project)["marks"] == 1
