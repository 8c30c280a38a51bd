"""Run records: written as JSON beside a run's results and read back; damaged ones are problems."""

from __future__ import annotations

from pathlib import Path

from uatkit.allure.runs import RunRecord, read_run_records, run_file_name, run_record_text


def _record(folder: Path, run_id: str, started: str) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        started=started,
        stopped=started,
        levels=("integration", "e2e"),
        tests=3,
        base_url="http://127.0.0.1:8000/",
        browser_name="chromium",
        browser_version="120.0",
        commit="abc123",
        dirty=False,
        app_version="1.4.0",
        app_build="77",
        environment="staging",
        project="Demo",
        path=folder / run_file_name(run_id),
    )


def test_run_records_read_back_oldest_first_and_a_damaged_one_is_a_problem(tmp_path: Path) -> None:
    later = _record(tmp_path, "b" * 32, "2026-12-02T10:00:00+00:00")
    earlier = _record(tmp_path, "a" * 32, "2026-12-01T10:00:00+00:00")
    for record in (later, earlier):
        record.path.write_text(run_record_text(record), encoding="utf-8")
    (tmp_path / run_file_name("c" * 32)).write_text("{not json", encoding="utf-8")

    records, problems = read_run_records(tmp_path)

    assert [r.run_id for r in records] == ["a" * 32, "b" * 32]
    assert records[1] == RunRecord(**{**later.__dict__, "levels": ("e2e", "integration")})
    assert len(problems) == 1 and run_file_name("c" * 32) in problems[0]
