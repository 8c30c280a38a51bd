"""`--uatkit-shard K/N`: the split (union is all, disjoint, stable, balanced), its options and variables,
the durations file, and a shard run with -n 2 (real pytest sessions through pytester)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_plugin import allure_results, bdd_project, labels
from uatkit.allure.runs import RUN_LABEL, read_run_records
from uatkit.pytest_plugin.shard import (
    DURATIONS_FILE,
    SHARD_LABEL,
    Shard,
    durations_text,
    parse_run_id,
    parse_shard,
    split,
)

node_ids = st.lists(st.text("abc/:[]-_.0123456789", min_size=1, max_size=12), unique=True, max_size=60)
seconds = st.floats(min_value=0, max_value=100, allow_nan=False)


@given(node_ids, st.integers(min_value=1, max_value=7), st.data())
def test_the_groups_are_disjoint_together_whole_and_keep_the_order(
    ids: list[str], total: int, data: st.DataObject
) -> None:
    durations = data.draw(st.dictionaries(st.sampled_from(ids), seconds) if ids else st.just({}))
    groups = split(ids, total, durations)
    assert len(groups) == total
    together = [node for group in groups for node in group]
    assert sorted(together) == sorted(ids)  # none lost, none twice
    for group in groups:
        assert group == [node for node in ids if node in set(group)]  # each in collection order


@given(node_ids, st.integers(min_value=1, max_value=7), st.randoms(use_true_random=False))
def test_the_split_does_not_depend_on_the_collection_order(
    ids: list[str], total: int, rnd: random.Random
) -> None:
    durations = {node: float(len(node)) for node in ids[::2]}
    shuffled = ids[:]
    rnd.shuffle(shuffled)
    first = [set(group) for group in split(ids, total, durations)]
    assert first == [set(group) for group in split(shuffled, total, durations)]


@given(st.dictionaries(st.text(min_size=1, max_size=8), seconds, min_size=1, max_size=60), st.integers(1, 6))
def test_recorded_durations_balance_the_groups(durations: dict[str, float], total: int) -> None:
    groups = split(list(durations), total, durations)
    loads = [sum(durations[node] for node in group) for group in groups]
    # Longest first to the lightest group: no group exceeds another by more than one test's time.
    assert max(loads) - min(loads) <= max(durations.values()) + 1e-9


def test_without_durations_the_groups_differ_by_one_test_at_most() -> None:
    ids = [f"steps/test_x.py::test_{n}" for n in range(23)]
    sizes = [len(group) for group in split(ids, 4, {})]
    assert sorted(sizes) == [5, 6, 6, 6]


@given(node_ids, st.integers(min_value=1, max_value=7))
def test_no_durations_split_as_equal_durations_do(ids: list[str], total: int) -> None:
    assert split(ids, total, {}) == split(ids, total, dict.fromkeys(ids, 2.5))


def test_a_new_test_weighs_the_mean_of_the_recorded_ones() -> None:
    ids = ["a", "b", "c", "new"]
    groups = split(ids, 2, {"a": 10.0, "b": 1.0, "c": 1.0})
    # "new" weighs 4: a (10) alone, b + c + new (6) together.
    assert groups == [["a"], ["b", "c", "new"]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0/4", "K counts from 1 to N (4); write 1/4 … 4/4"),
        ("5/4", "K counts from 1 to N (4)"),
        ("1/0", "N must be at least 1"),
        ("x", "'x' is not K/N: write the shard as 2/4"),
        ("2-4", "is not K/N"),
        ("", "is not K/N"),
    ],
)
def test_a_wrong_shard_is_refused_with_what_to_write(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_shard(text)


def test_shards_and_run_ids_read() -> None:
    assert parse_shard(" 2 / 4 ") == Shard(2, 4) and str(Shard(2, 4)) == "2/4"
    assert parse_run_id("8123456-1") == "8123456-1"
    for bad in ("", "a b", "../x", "-x", "x" * 65):
        with pytest.raises(ValueError, match="is not a run ID"):
            parse_run_id(bad)


def test_the_durations_file_keeps_old_entries_and_sorts() -> None:
    text = durations_text({"b": 1.0, "a": 2.0}, {"c": 0.12345, "b": 3.0})
    assert json.loads(text) == {"a": 2.0, "b": 3.0, "c": 0.123}
    assert list(json.loads(text)) == ["a", "b", "c"]


# Real sessions: the small QA project of test_plugin.py with 20 plain tests beside its scenarios.

MANY = "import pytest\n\n@pytest.mark.parametrize('n', range(20))\ndef test_n(n):\n    pass\n"


@pytest.fixture
def farm(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for variable in ("UATKIT_SHARD", "UATKIT_RUN_ID"):
        monkeypatch.delenv(variable, raising=False)
    project = bdd_project(pytester)
    project.makepyfile(test_many=MANY)
    return project


def collected(project: pytest.Pytester, *args: str) -> list[str]:
    result = project.runpytest_subprocess("--collect-only", "-q", *args)
    assert result.ret == 0, result.stdout.str()
    return [line for line in result.stdout.lines if "::" in line]


def test_the_shards_together_are_the_suite_and_the_variable_is_the_option(
    farm: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = collected(farm)
    shards = [collected(farm, "--uatkit-shard", f"{k}/3") for k in (1, 2, 3)]
    assert sorted(n for shard in shards for n in shard) == sorted(whole) and len(whole) == 23
    assert all(shard for shard in shards)
    assert shards[1] == collected(farm, "--uatkit-shard", "2/3")  # the same again
    monkeypatch.setenv("UATKIT_SHARD", "2/3")
    assert collected(farm) == shards[1]
    assert collected(farm, "--uatkit-shard", "3/3") == shards[2]  # the option wins over the variable
    # -k and --uatkit-level select first; the shards split what is left.
    monkeypatch.delenv("UATKIT_SHARD")
    chosen = ("--uatkit-level", "unit", "-k", "not test_n[0]")
    left = collected(farm, *chosen)
    parts = [collected(farm, *chosen, "--uatkit-shard", f"{k}/2") for k in (1, 2)]
    assert len(left) == 21 and sorted(parts[0] + parts[1]) == sorted(left)
    assert not set(parts[0]) & set(parts[1])


def test_a_wrong_shard_or_run_id_is_a_usage_error(
    farm: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for args, message in [
        (("--uatkit-shard", "0/4"), "*argument --uatkit-shard: '0/4': K counts from 1 to N (4)*"),
        (("--uatkit-shard", "5/4"), "*argument --uatkit-shard: '5/4': K counts from 1 to N (4)*"),
        (("--uatkit-shard", "x"), "*argument --uatkit-shard: 'x' is not K/N*"),
        (("--uatkit-run-id", "a b"), "*argument --uatkit-run-id: 'a b' is not a run ID*"),
    ]:
        result = farm.runpytest_subprocess(*args)
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([message])
    monkeypatch.setenv("UATKIT_SHARD", "x")
    result = farm.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*UATKIT_SHARD: 'x' is not K/N: write the shard as 2/4*"])
    assert "Traceback" not in result.stderr.str()


def test_a_shard_with_n_2_records_its_part_of_the_shared_run(
    farm: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = collected(farm, "--uatkit-shard", "2/3")
    monkeypatch.setenv("UATKIT_RUN_ID", "pipeline-77")
    result = farm.runpytest_subprocess("-n", "2", "--uatkit-shard", "2/3", "--alluredir", "shard-2")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("skipped", 0) == len(mine)
    (record,), problems = read_run_records(farm.path / "shard-2")
    assert problems == [] and record.run_id == "pipeline-77" and record.shard == "2/3" and record.host
    assert record.path.name == "uatkit-run-pipeline-77-shard-2-of-3.json"
    scenario_results = allure_results(farm.path / "shard-2")
    for found in scenario_results:  # the scenarios among the shard's tests carry uatkit's labels
        assert labels(found)[RUN_LABEL] == ["pipeline-77"] and labels(found)[SHARD_LABEL] == ["2/3"]
    assert "Shard=2/3" in (farm.path / "shard-2" / "environment.properties").read_text(encoding="utf-8")


def test_the_header_says_the_shard_and_warns_of_a_run_id_of_its_own(
    farm: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = farm.runpytest_subprocess("--uatkit-shard", "1/2")
    result.stdout.fnmatch_lines(
        [
            "uatkit: shard 1/2 (tests split by node IDs (no durations file))",
            "uatkit: warning: this shard has a run ID of its own and reports as a run apart;*",
        ]
    )
    monkeypatch.setenv("UATKIT_RUN_ID", "pipeline-78")
    quiet = farm.runpytest_subprocess("--uatkit-shard", "1/2").stdout.str()
    assert "uatkit: shard 1/2" in quiet and "uatkit: warning" not in quiet


def test_stored_durations_balance_the_next_split(farm: pytest.Pytester) -> None:
    farm.runpytest_subprocess("-n", "2", "--uatkit-store-durations").assert_outcomes(passed=22, skipped=1)
    path = farm.path / DURATIONS_FILE
    durations = json.loads(path.read_text(encoding="utf-8"))
    assert len(durations) == 23 and list(durations) == sorted(durations)
    assert all(isinstance(v, float) and v >= 0 for v in durations.values())
    # Make one test the longest by far: it gets a group of its own.
    slow = "test_many.py::test_n[0]"
    path.write_text(json.dumps({**dict.fromkeys(durations, 0.01), slow: 5.0}), encoding="utf-8")
    result = farm.runpytest_subprocess("--collect-only", "-q", "--uatkit-shard", "1/2")
    assert [line for line in result.stdout.lines if "::" in line] == [slow]
    header = farm.runpytest_subprocess("--uatkit-shard", "1/2").stdout.str()
    assert f"uatkit: shard 1/2 (tests split by durations in {DURATIONS_FILE})" in header


def test_a_broken_durations_file_is_named(farm: pytest.Pytester) -> None:
    (farm.path / DURATIONS_FILE).write_text('{"x": "slow"}', encoding="utf-8")
    result = farm.runpytest_subprocess("--uatkit-shard", "1/2")
    assert result.ret != pytest.ExitCode.OK
    output = result.stdout.str() + result.stderr.str()
    assert f"{Path(farm.path) / DURATIONS_FILE}: a durations file maps each test's node ID" in output
    assert "Traceback" not in output


def test_a_manifest_declared_before_shards_were_recorded_still_reads(tmp_path: Path) -> None:
    import hashlib

    import msgspec

    from uatkit.trace.evidence import Manifest, Merged, Source, read_manifest
    from uatkit.trace.model import RunFacts

    run = RunFacts(run_id="5c0e", folder="reports/allure-results", started="s", tests=3)
    source = Source(
        path="reports/allure-results", results=3, hash="sha256:1", first_start="", last_stop="", runs=(run,)
    )
    manifest = Manifest(
        schema=1, id="", created="", project="p", commit="", release="R1", sources=(source,), ledger=None,
        merged=Merged(path="reports/merged-results", results=3, hash="sha256:2"),
    )  # fmt: skip
    # As an earlier uatkit wrote it: its runs have no `shard` or `host`; its ID is the hash of that content.
    data = json.loads(msgspec.json.encode(manifest))
    for found in data["sources"][0]["runs"]:
        del found["shard"], found["host"]
    data["id"] = hashlib.sha256(msgspec.json.encode(data, order="sorted")).hexdigest()[:16]
    path = tmp_path / "uatkit-evidence.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    read = read_manifest(path)
    assert read is not None and read.id == data["id"] and read.sources[0].runs[0].run_id == "5c0e"
