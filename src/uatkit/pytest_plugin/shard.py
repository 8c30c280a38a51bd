"""Sharded runs: `--uatkit-shard K/N` runs the K-th of N groups of the tests, one group per CI runner.

The split is a pure function of the collected node IDs and the durations file kept in the project
(`.uatkit-durations.json`, written by `--uatkit-store-durations`): every runner collecting the same tests
computes the same groups, no test is in two groups and none is lost. With durations, the longest test goes
first to the group with the least time so far (known tests weigh their recorded seconds, new ones the mean);
without, every test weighs the same and the groups are dealt round-robin over the sorted node IDs. The unit
is the test item (one scenario at one level, one outline row), so the scenarios of one feature may run on
different runners: the report regroups them by case ID, and the groups stay balanced.

A shard is part of one run: every shard of a CI pipeline is given the same run ID (`--uatkit-run-id` or
UATKIT_RUN_ID, e.g. the pipeline's ID), so the report counts N shards as one run; each result and run record
also names its shard and host. pytest-split does the same split in the general case; uatkit's own keeps the
shard in the run's identity and provenance, writes the durations file atomically and orders ties by node ID
(independent of collection order), which pytest-split's options and file handling do not offer.
"""

from __future__ import annotations

import heapq
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

#: The durations file, at the project's root, kept in version control.
DURATIONS_FILE = ".uatkit-durations.json"
SHARD_VARIABLE = "UATKIT_SHARD"
RUN_ID_VARIABLE = "UATKIT_RUN_ID"
#: A run ID names files (`uatkit-run-<ID>-shard-…json`): letters, digits, `.`, `_`, `-`, at most 64.
RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: The Allure label a sharded run's results name their shard in ("2/4").
SHARD_LABEL = "shard"
#: Each recorded duration is rounded to this many decimals, so the file's diffs stay small.
_DECIMALS = 3


@dataclass(frozen=True, order=True)
class Shard:
    """The K-th (1-based) of N groups."""

    index: int
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"


def parse_shard(text: str) -> Shard:
    """Return the shard "K/N" names; ValueError says what is wrong and what to write."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise ValueError(f"{text!r} is not K/N: write the shard as 2/4 (the 2nd of 4 groups)")
    index, total = int(match.group(1)), int(match.group(2))
    if total < 1:
        raise ValueError(f"{text!r}: N must be at least 1")
    if not 1 <= index <= total:
        raise ValueError(f"{text!r}: K counts from 1 to N ({total}); write 1/{total} … {total}/{total}")
    return Shard(index, total)


def parse_run_id(text: str) -> str:
    """Return a run ID given by the user; ValueError says which characters it may hold."""
    if not RUN_ID.fullmatch(text):
        raise ValueError(
            f"{text!r} is not a run ID: use 1 to 64 letters, digits, '.', '_' or '-' "
            "(e.g. the CI pipeline's ID and attempt: 8123456-1)"
        )
    return text


def split(node_ids: Sequence[str], total: int, durations: Mapping[str, float]) -> list[list[str]]:
    """Return `total` groups of the node IDs, each in the given order: disjoint, together all of them.

    Longest first to the lightest group (ties: the lower group); a test without a recorded duration weighs
    the mean of those recorded for the tests given; with none recorded, the sorted IDs are dealt in turn.
    """
    known = [durations[n] for n in node_ids if n in durations]
    chosen: dict[str, int] = {}
    if not known:
        # Equal weights: the lightest group is always the next one round, so deal the sorted IDs in turn.
        chosen = {node_id: n % total for n, node_id in enumerate(sorted(node_ids))}
    else:
        mean = sum(known) / len(known)
        weight = {n: durations.get(n, mean) for n in node_ids}
        heap = [(0.0, group) for group in range(total)]
        for node_id in sorted(weight, key=lambda n: (-weight[n], n)):
            load, group = heapq.heappop(heap)
            chosen[node_id] = group
            heapq.heappush(heap, (load + weight[node_id], group))
    groups: list[list[str]] = [[] for _ in range(total)]
    for node_id in node_ids:
        groups[chosen[node_id]].append(node_id)
    return groups


def read_durations(path: Path) -> dict[str, float]:
    """Return the recorded seconds by node ID; none when there is no file; a bad file is a usage error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise pytest.UsageError(
            f"{path}: not a readable durations file ({exc}); delete it or write it again with "
            "--uatkit-store-durations"
        ) from None
    if not isinstance(data, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in data.values()
    ):
        raise pytest.UsageError(
            f"{path}: a durations file maps each test's node ID to its seconds "
            '({"features/x.feature::test_y[unit]": 0.25}); write it again with --uatkit-store-durations'
        )
    return {str(k): float(v) for k, v in data.items()}


def durations_text(old: Mapping[str, float], measured: Mapping[str, float]) -> str:
    """Return the durations file: the old entries, those measured now replacing theirs, sorted by node ID."""
    merged = {**old, **{k: round(v, _DECIMALS) for k, v in measured.items()}}
    return json.dumps(dict(sorted(merged.items())), ensure_ascii=False, indent=2) + "\n"


# The pytest side: options, environment variables, selection, provenance, the durations file.

SHARD_KEY = pytest.StashKey[Shard]()
MEASURED_KEY = pytest.StashKey[dict[str, float]]()
#: Set when the split left this shard no test of the ones collected: (tests collected, shards).
EMPTY_KEY = pytest.StashKey[tuple[int, int]]()


def configure(config: pytest.Config) -> None:
    """Take the shard from --uatkit-shard or UATKIT_SHARD (the option wins); check it."""
    given = config.option.uatkit_shard
    if given is None:
        text = os.environ.get(SHARD_VARIABLE, "").strip()
        if text:
            try:
                given = parse_shard(text)
            except ValueError as exc:
                raise pytest.UsageError(f"{SHARD_VARIABLE}: {exc}") from None
    if given is not None:
        config.stash[SHARD_KEY] = given
    if config.option.uatkit_store_durations:
        config.stash[MEASURED_KEY] = {}


def given_run_id(config: pytest.Config) -> str | None:
    """Return the run ID from --uatkit-run-id or UATKIT_RUN_ID (the option wins), None when neither."""
    given: str | None = config.option.uatkit_run_id
    if given is None and os.environ.get(RUN_ID_VARIABLE, "").strip():
        try:
            given = parse_run_id(os.environ[RUN_ID_VARIABLE].strip())
        except ValueError as exc:
            raise pytest.UsageError(f"{RUN_ID_VARIABLE}: {exc}") from None
    return given


def shard_of(config: pytest.Config) -> Shard | None:
    """Return the session's shard, None for a whole run."""
    return config.stash.get(SHARD_KEY, None)


def modify_items(config: pytest.Config, items: list[pytest.Item], root: Path) -> None:
    """Keep the shard's group of the items left after every other selection (-m, -k, levels)."""
    shard = shard_of(config)
    if shard is None or shard.total == 1:
        return
    groups = split([item.nodeid for item in items], shard.total, read_durations(root / DURATIONS_FILE))
    mine = set(groups[shard.index - 1])
    kept = [item for item in items if item.nodeid in mine]
    dropped = [item for item in items if item.nodeid not in mine]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    if not kept and dropped:
        config.stash[EMPTY_KEY] = (len(dropped), shard.total)


def finish(session: pytest.Session) -> str | None:
    """Let a shard the split left no test pass (pytest would fail it for collecting none); say why."""
    empty = session.config.stash.get(EMPTY_KEY, None)
    if empty is None or session.exitstatus != pytest.ExitCode.NO_TESTS_COLLECTED:
        return None
    session.exitstatus = pytest.ExitCode.OK
    tests, total = empty
    return f"uatkit: shard {shard_of(session.config)} has no test: {tests} test(s) split into {total} shards"


def header(config: pytest.Config, root: Path) -> list[str]:
    """Say which shard runs and what balances the split."""
    shard = shard_of(config)
    if shard is None:
        return []
    path = root / DURATIONS_FILE
    basis = f"durations in {DURATIONS_FILE}" if path.is_file() else "node IDs (no durations file)"
    lines = [f"uatkit: shard {shard} (tests split by {basis})"]
    if given_run_id(config) is None:
        lines.append(
            "uatkit: warning: this shard has a run ID of its own and reports as a run apart; give every "
            f"shard of the run the same --uatkit-run-id (or {RUN_ID_VARIABLE}), e.g. the CI pipeline's ID"
        )
    return lines


def note_report(config: pytest.Config, report: pytest.TestReport) -> None:
    """Add a phase's seconds to its test's, when durations are stored (the controller sees every report)."""
    measured = config.stash.get(MEASURED_KEY, None)
    if measured is not None and getattr(config, "workerinput", None) is None:
        measured[report.nodeid] = measured.get(report.nodeid, 0.0) + max(report.duration, 0.0)


def store_durations(config: pytest.Config, root: Path) -> Path | None:
    """Write the measured durations into the project's durations file (the controller only)."""
    measured = config.stash.get(MEASURED_KEY, None)
    if not measured or getattr(config, "workerinput", None) is not None:
        return None
    from uatkit.atomic import atomic_write_text

    path = root / DURATIONS_FILE
    atomic_write_text(path, durations_text(read_durations(path), measured))
    return path


def labels(config: pytest.Config) -> list[tuple[str, str]]:
    """Return the Allure labels a sharded run's results carry: the shard."""
    shard = shard_of(config)
    return [(SHARD_LABEL, str(shard))] if shard is not None else []
