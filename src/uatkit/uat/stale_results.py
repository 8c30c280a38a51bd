"""UAT results judged again when the report is made: a mark made against an older scenario shows as stale.

`uatkit uat import` writes each case row's UAT result with the scenario version its mark was made against
(the labels caseKey and fingerprint). A story changed after that import would leave the result saying
passed until the next import rewrites it, while the matrix and the sign-off already call the mark stale.
`uatkit report` hands its merged folder to `mark_stale` before it declares the evidence set, so the report
says what they say: the result's status becomes unknown (Allure's "UAT mark to re-check" category), it is
tagged stale, and its message says why. Its own file in the merged folder is replaced (written anew, never
through the hard link to the UAT results folder it came from, which stays as the import wrote it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from uatkit.allure.mapping import CASE_KEY_LABEL, FINGERPRINT_LABEL, LAYER_LABEL, UAT_WORDS
from uatkit.atomic import atomic_write_text
from uatkit.model import UAT_LAYER

STALE_TAG = "stale"
#: Allure's status for a result that proves nothing either way.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class StaleMark:
    """A UAT result shown as stale: its case row, and the status it said before."""

    key: str
    was: str


def mark_stale(folder: Path, current: Mapping[str, str]) -> list[StaleMark]:
    """Rewrite as stale each UAT result in `folder` whose mark was made against another version of its
    scenario than `current` (case key → fingerprint) holds, or of a case the project no longer has."""
    found: list[StaleMark] = []
    for path in sorted(folder.glob("*-result.json")):
        raw = path.read_bytes()
        # Only a UAT result with a recorded scenario version can be judged: the rest is not parsed.
        if b'"uat"' not in raw or FINGERPRINT_LABEL.encode() not in raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue  # the merge has reported it
        labels = data.get("labels") if isinstance(data, dict) else None
        if not isinstance(labels, list):
            continue
        said = {label.get("name"): label.get("value") for label in labels if isinstance(label, dict)}
        key, fingerprint = said.get(CASE_KEY_LABEL), said.get(FINGERPRINT_LABEL)
        if (
            said.get(LAYER_LABEL) != UAT_LAYER
            or not key
            or not fingerprint
            or current.get(key) == fingerprint
        ):
            continue
        was = str(data.get("status") or "")
        if was == UNKNOWN:
            continue  # stale or contested already, as the import wrote it
        details = data.get("statusDetails") if isinstance(data.get("statusDetails"), dict) else {}
        word = UAT_WORDS.get(was, was)
        why = (
            f"Marked {word} against an older version of this scenario: the scenario has changed since, so "
            "the mark proves nothing about it now; test it again"
            if key in current
            else f"Marked {word} on a case the project no longer has"
        )
        details["message"] = "\n\n".join(filter(None, (why, details.get("message"))))
        data["statusDetails"] = details
        data["status"] = UNKNOWN
        labels.append({"name": "tag", "value": STALE_TAG})
        atomic_write_text(path, json.dumps(data, ensure_ascii=False))
        found.append(StaleMark(str(key), was))
    return found
