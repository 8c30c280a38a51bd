"""One loaded QA project: what every command and test session reads once and hands down the chain.

`load_project` finds and validates the configuration (one TOML parse); the catalogue, the parsed features,
the cases with their fingerprints and the git commit are read the first time a stage asks for them, and
never again for the same command. Stages take a `Project` instead of re-reading inputs.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uatkit import vcs
from uatkit.atomic import atomic_write_bytes
from uatkit.config import Config, find_config
from uatkit.errors import UatkitError

if TYPE_CHECKING:
    from uatkit.gherkin.parse import FeatureFiles, FeatureSet
    from uatkit.model import Case, Catalogue


#: The folder at the project's root that keeps what is derived from its files, named by their digest. Not
#: under reports/, which is published: the cases carry the features' text as written (a password in a step).
CACHE_FOLDER = ".uatkit-cache"
_CASES_PREFIX = "cases-"


def _add(digest: Any, kind: str, name: str, content: bytes) -> None:
    """Add one file to a digest, its kind, name and length first, so no two sets of files digest alike."""
    digest.update(f"{kind}\0{name}\0{len(content)}\0".encode("utf-8", "surrogatepass"))
    digest.update(content)


class Project:
    """A QA project's configuration and, read on first use, its stories, features, cases and commit."""

    def __init__(self, config: Config) -> None:
        self.config = config

    @property
    def root(self) -> Path:
        """Return the project's root folder (where its pyproject.toml is)."""
        return self.config.root

    @cached_property
    def catalogue(self) -> Catalogue:
        """Return every story, validated (InputError lists every problem)."""
        from uatkit.stories import load_catalogue

        return load_catalogue(self.config)

    @cached_property
    def feature_files(self) -> FeatureFiles:
        """Return the text of every feature file of the features folder, read once."""
        from uatkit.gherkin.parse import read_feature_files

        return read_feature_files(self.config.features_dir, self.config.relative)

    @cached_property
    def features(self) -> FeatureSet:
        """Return every feature file of the features folder, parsed once."""
        from uatkit.gherkin.parse import parse_features

        return parse_features(self.feature_files, self.config.relative)

    @cached_property
    def cases(self) -> tuple[Case, ...]:
        """Return every case of the features with its story's context (InputError when a feature is bad).

        The cases derived from the same features, stories and configuration are kept in the cases cache
        (named by the digest of all of them, so never stale) and read from there: another command does not
        parse the features and stories again while they stay as they are.
        """
        from uatkit.cases import collect_cases, dump_cases, load_cases

        cached = self.cases_cache
        try:
            return load_cases(cached.read_bytes())
        except (OSError, ValueError):
            pass  # none yet, or unreadable: derived again below
        cases = tuple(collect_cases(self.config, self.catalogue, self.features))
        try:
            atomic_write_bytes(cached, dump_cases(cases))
            for older in cached.parent.glob(f"{_CASES_PREFIX}*.json"):
                if older != cached:
                    older.unlink(missing_ok=True)
        except OSError:
            pass  # a folder that cannot be written only means deriving them again next time
        return cases

    @cached_property
    def cases_cache(self) -> Path:
        """Return the file the cases of the current features and stories are kept in (named by their digest).

        The digest covers every feature file's path and text, every story file's path and bytes, the
        configuration and uatkit's version: any change names another file.
        """
        import uatkit
        from uatkit.cases import STORED_FIELDS
        from uatkit.stories import story_files

        digest = hashlib.sha256(repr((uatkit.__version__, STORED_FIELDS, self.config)).encode("utf-8"))
        # Absolute paths (the root is in the configuration): no file system call to name a file.
        for path, text in sorted(self.feature_files.texts.items()):
            _add(digest, "feature", path.as_posix(), text.encode("utf-8", "surrogatepass"))
        for path in story_files(self.config):
            _add(digest, "story", path.as_posix(), path.read_bytes())
        return self.root / CACHE_FOLDER / f"{_CASES_PREFIX}{digest.hexdigest()[:40]}.json"

    @cached_property
    def fingerprints(self) -> dict[str, str]:
        """Return each case key's current fingerprint."""
        from uatkit.cases import fingerprints

        return fingerprints(self.cases)

    @cached_property
    def commit(self) -> str:
        """Return the project's short git commit ("" outside a checkout)."""
        return vcs.commit(self.root)

    @property
    def ledger_path(self) -> Path:
        """Return the SQLite UAT ledger's path (the default place when the ledger is on PostgreSQL)."""
        if self.config.uat.ledger.startswith(("postgresql://", "postgres://")):
            return self.root / "reports" / "uat.db"
        return self.root / self.config.uat.ledger

    @property
    def uat_results(self) -> Path:
        """Return the folder UAT results for Allure go to."""
        return self.root / self.config.uat.results

    @property
    def packs_folder(self) -> Path:
        """Return the folder UAT packs are written to (one subfolder a release)."""
        return self.root / self.config.uat.packs

    @property
    def report_folder(self) -> Path:
        """Return the folder the matrix and sign-off pages go to."""
        return self.root / self.config.report.folder

    @property
    def report_output(self) -> Path:
        """Return the folder of the generated Allure report."""
        return self.root / self.config.report.output

    @property
    def report_history(self) -> Path:
        """Return Allure's history file, kept between reports."""
        return self.root / self.config.report.history

    @property
    def merged_results(self) -> Path:
        """Return the folder `uatkit report` merges results into."""
        return self.root / self.config.report.merged

    def relative(self, path: Path) -> str:
        """Return a path relative to the project root, in POSIX form."""
        return self.config.relative(path)

    def shown(self, path: Path) -> str:
        """Return a path as a user knows it: relative to the project when inside it, else as given."""
        inside = path.resolve().is_relative_to(self.root.resolve())
        return self.config.relative(path) if inside else str(path)


def load_project(start: Path | None = None) -> Project:
    """Return the project around `start` (default: the current folder); say so when there is none."""
    where = (start or Path.cwd()).resolve()
    if start is not None and not where.is_dir():
        raise UatkitError(f"--project {start}: no such folder")
    config = find_config(where)
    if config is None:
        raise UatkitError(
            f"no uatkit project in {where} or above (no pyproject.toml with a [tool.uatkit] table); "
            "run `uatkit init DIR` to make one, or pass --project DIR"
        )
    return Project(config)
