"""Secrets kept out of the Allure results a run writes: every result and container is masked as it is
written (`uatkit.allure.masking`), with the project's rules, the base URL's password, the environment's
secrets and what the session learnt (the password and token an `api` session logged in with).

The masker is an allure-python-commons plugin called before allure-pytest-bdd's file writer; it is
registered only in a uatkit project and only while this pytest session lasts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from pluggy import HookimplMarker

from uatkit.allure.masking import KNOWN_MIN_LENGTH
from uatkit.config import Config
from uatkit.pytest_plugin.keys import PROJECT_KEY
from uatkit.secrets import MASK, Secrets, said_secrets, secret_rules, url_password

MASKER_KEY = pytest.StashKey["ResultMasker"]()
# allure-python-commons' hook marker (`allure_commons.hookimpl`), made here so that loading the plugin does
# not import allure; tryfirst puts the masker before allure's file writer.
_allure_hook = HookimplMarker("allure")


class ResultMasker:
    """Masks each Allure result and container of this session before allure writes it."""

    def __init__(self, rules: Secrets) -> None:
        self.rules = rules

    def learn(self, values: Iterable[str]) -> None:
        """Treat these values (a password a session logged in with, its token) as secrets from now on."""
        self.rules = self.rules.extended(known=values)

    @_allure_hook(tryfirst=True)
    def report_result(self, result: Any) -> None:
        """Mask a test's result before it is written."""
        from uatkit.allure.masking import mask_result

        mask_result(result, self.rules)

    @_allure_hook(tryfirst=True)
    def report_container(self, container: Any) -> None:
        """Mask a fixture container (set-up and tear-down steps) before it is written."""
        from uatkit.allure.masking import mask_result

        mask_result(container, self.rules)


def start(pytest_config: pytest.Config, config: Config, base_url: str) -> None:
    """Register the masker for this session when it writes Allure results."""
    try:
        import allure_commons
    except ImportError:
        return
    rules = secret_rules(config.secrets.fields, config.secrets.env).extended(known=url_password(base_url))
    masker = ResultMasker(rules)
    allure_commons.plugin_manager.register(masker, name=f"uatkit-masker-{id(pytest_config)}")
    pytest_config.stash[MASKER_KEY] = masker


def stop(pytest_config: pytest.Config) -> None:
    """Unregister this session's masker."""
    masker = pytest_config.stash.get(MASKER_KEY, None)
    if masker is None:
        return
    import allure_commons

    if allure_commons.plugin_manager.is_registered(masker):
        allure_commons.plugin_manager.unregister(masker)
    del pytest_config.stash[MASKER_KEY]


def learn_said(pytest_config: pytest.Config, step_text: str) -> None:
    """Learn the secrets a step says in words (`with password "s3cret"`) before it runs: a browser types
    them, and the Playwright trace of a failed check records what was typed."""
    found = [value for value in said_secrets(step_text) if len(value) >= KNOWN_MIN_LENGTH]
    if found:
        learn(pytest_config, found)


def mask_zip(path: Path, secrets: Secrets) -> None:
    """Mask the known secrets in every text file of a zip (a Playwright trace), rewriting it in place.

    Only known values are replaced, byte for byte in UTF-8 text, so the trace's JSON lines stay valid.
    """
    import zipfile

    if not secrets.known:
        return
    forms = sorted({form for secret in secrets.known for form in (secret, json.dumps(secret)[1:-1])}, key=len)
    masked = path.with_suffix(".masked.zip")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(masked, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                target.writestr(entry, data)
                continue
            for form in reversed(forms):
                text = text.replace(form, MASK)
            target.writestr(entry, text.encode("utf-8"))
    os.replace(masked, path)


def rules(pytest_config: pytest.Config) -> Secrets:
    """Return what this session masks: the masker's rules (the project's, the base URL's password and what
    the session learnt), else the project's rules, else uatkit's own."""
    masker = pytest_config.stash.get(MASKER_KEY, None)
    if masker is not None:
        return masker.rules
    project = pytest_config.stash.get(PROJECT_KEY, None)
    return (
        secret_rules(project.config.secrets.fields, project.config.secrets.env) if project else secret_rules()
    )


def learn(pytest_config: pytest.Config, values: Iterable[str]) -> None:
    """Tell the session's masker about secrets a fixture learnt."""
    masker = pytest_config.stash.get(MASKER_KEY, None)
    if masker is not None:
        masker.learn(values)
