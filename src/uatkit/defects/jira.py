"""Jira's REST API (v2), the few calls `uatkit defects push` makes: who am I, find a filed defect, file one.

Credentials come from the environment only (the variables `[tool.uatkit.defects]` names: JIRA_USER and
JIRA_TOKEN by default); every message that could carry them goes through `uatkit.secrets.mask`.
requests is imported when a push starts: it comes with the `api` extra.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from uatkit.config import DefectsConfig
from uatkit.defects.describe import jira_description
from uatkit.defects.model import JIRA_PRIORITY, LABEL, Defect
from uatkit.errors import UatkitError
from uatkit.secrets import DEFAULT, Secrets, mask

#: The longest part of Jira's answer an error message quotes.
_DETAIL = 300


class TrackerError(UatkitError):
    """The tracker cannot be used as set up (unreachable, credentials refused, forbidden): stop the push."""


class Refused(UatkitError):
    """The tracker refused one defect (400): the others may still go through."""


@dataclass(frozen=True)
class JiraSite:
    """Where and as whom defects are filed; `token` never reaches a file, a log or a message."""

    url: str
    project: str
    issue_type: str
    assignee: str
    user: str
    token: str
    timeout: float
    user_env: str
    token_env: str

    @property
    def secrets(self) -> Secrets:
        """Return the masking rules with the token (and the basic credentials made of it) known."""
        return DEFAULT.extended(known=[self.token])


@dataclass(frozen=True)
class Issue:
    """An issue in Jira: its key and the URL people open it at."""

    key: str
    url: str


def jira_site(
    settings: DefectsConfig,
    url: str | None = None,
    project: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> JiraSite:
    """Return the site from the options, the config and the environment; say what is missing."""
    variables = os.environ if environ is None else environ
    base = (url or settings.jira_url).strip().rstrip("/")
    key = (project or settings.jira_project).strip()
    if not base:
        raise UatkitError(
            "no Jira site: pass --url https://your-site.atlassian.net or set [tool.uatkit.defects] jira_url"
        )
    if not base.startswith(("https://", "http://")):
        raise UatkitError(f"--url {base!r} is not a web address: give the Jira site's https:// address")
    if not key:
        raise UatkitError(
            "no Jira project: pass --jira-project KEY or set [tool.uatkit.defects] jira_project"
        )
    token = variables.get(settings.token_env, "").strip()
    if not token:
        raise UatkitError(
            f"no Jira token: set the environment variable {settings.token_env} to an API token (and "
            f"{settings.user_env} to the account's e-mail for Jira Cloud); tokens are never read from files"
        )
    return JiraSite(
        url=base,
        project=key,
        issue_type=settings.issue_type,
        assignee=settings.assignee,
        user=variables.get(settings.user_env, "").strip(),
        token=token,
        timeout=settings.timeout,
        user_env=settings.user_env,
        token_env=settings.token_env,
    )


def issue_payload(defect: Defect, site: JiraSite) -> dict[str, Any]:
    """Return the body of POST /rest/api/2/issue for a defect."""
    fields: dict[str, Any] = {
        "project": {"key": site.project},
        "summary": defect.summary,
        "description": jira_description(defect),
        "issuetype": {"name": site.issue_type},
        "labels": [LABEL, defect.id, defect.level],
        "priority": {"name": JIRA_PRIORITY[defect.priority]},
    }
    environment = ", ".join(p for p in (defect.environment, defect.version) if p)
    if environment:
        fields["environment"] = environment
    if site.assignee:
        fields["assignee"] = {"name": site.assignee}
    return {"fields": fields}


def search_jql(site: JiraSite, label: str) -> str:
    """Return the JQL that finds the issue filed with a defect's label in the site's project."""
    project = site.project.replace("\\", "\\\\").replace('"', '\\"')
    return f'project = "{project}" AND labels = "{label}"'


class JiraClient:
    """Calls Jira's REST API v2 with the site's credentials, one clear error a fault."""

    def __init__(self, site: JiraSite) -> None:
        from uatkit.extras import missing

        problem = missing("requests", "uatkit defects push")
        if problem:
            raise UatkitError(problem)
        import requests

        self.site = site
        self._requests = requests
        self._session = requests.Session()
        self._session.headers["Accept"] = "application/json"
        if site.user:
            self._session.auth = (site.user, site.token)
        else:
            self._session.headers["Authorization"] = f"Bearer {site.token}"

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def myself(self) -> str:
        """Check the credentials: return the account's name as Jira knows it."""
        data = self._call("GET", "/rest/api/2/myself", "checking the credentials")
        for key in ("name", "displayName", "emailAddress", "accountId"):
            if isinstance(data.get(key), str) and data[key]:
                return str(data[key])
        return self.site.user or "token"

    def find(self, label: str) -> Issue | None:
        """Return the issue of the site's project that carries this label, or None."""
        params = {"jql": search_jql(self.site, label), "fields": "summary", "maxResults": "1"}
        what = f"searching for {label}"
        # Jira Cloud removed GET /rest/api/2/search (410 Gone) for /rest/api/2/search/jql; Jira Data
        # Center has only the first.
        data = self._call("GET", "/rest/api/2/search", what, params=params, gone_ok=True)
        if data is None:
            data = self._call("GET", "/rest/api/2/search/jql", what, params=params)
        issues = data.get("issues") if isinstance(data, dict) else None
        if not isinstance(issues, list) or not issues or not isinstance(issues[0], dict):
            return None
        key = str(issues[0].get("key") or issues[0].get("id") or "")
        return Issue(key, self.browse(key)) if key else None

    def create(self, payload: Mapping[str, Any], what: str) -> Issue:
        """Create an issue; return its key and URL."""
        data = self._call("POST", "/rest/api/2/issue", what, json=dict(payload))
        key = str(data.get("key") or "")
        if not key:
            raise TrackerError(
                f"Jira at {self.site.url} created {what} but gave no issue key: check that the URL is Jira's"
            )
        return Issue(key, self.browse(key))

    def browse(self, key: str) -> str:
        """Return the URL people open an issue at."""
        return f"{self.site.url}/browse/{key}"

    def _call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        gone_ok: bool = False,
    ) -> Any:
        site = self.site
        try:
            response = self._session.request(
                method, site.url + path, params=params, json=json, timeout=site.timeout
            )
        except self._requests.RequestException as exc:
            reason = mask(f"{type(exc).__name__}: {exc}", site.secrets)
            raise TrackerError(
                f"cannot reach Jira at {site.url} while {what} ({reason[:_DETAIL]}): check the URL, the "
                "network and any proxy; nothing more was sent"
            ) from None
        status = response.status_code
        if status == 410 and gone_ok:
            return None
        if status >= 400:
            raise self._refusal(status, response.reason or "", _detail(response), what)
        try:
            return response.json()
        except ValueError:
            raise TrackerError(
                f"{site.url} did not answer {what} with JSON (HTTP {status}): check that the URL is the Jira "
                "site's address, without /rest/…"
            ) from None

    def _refusal(self, status: int, reason: str, detail: str, what: str) -> UatkitError:
        site = self.site
        said = f": {mask(detail, site.secrets)}" if detail else ""
        if status == 401:
            how = (
                f"{site.user_env} (the account's e-mail) and {site.token_env} (its API token)"
                if site.user
                else f"{site.token_env} (a personal access token; for Jira Cloud also set {site.user_env})"
            )
            return TrackerError(f"Jira at {site.url} refused the credentials (401 Unauthorized): check {how}")
        if status == 403:
            return TrackerError(
                f"Jira at {site.url} forbade {what} (403 Forbidden){said}: check that the account may "
                f"browse and create issues in project {site.project}; if Jira asks for a CAPTCHA, sign in "
                "once in a browser"
            )
        if status == 404:
            return TrackerError(
                f"Jira at {site.url} has no such resource while {what} (404){said}: check the URL (the "
                f"site's address, without /rest/…) and the project key {site.project}"
            )
        if status == 400:
            return Refused(
                f"Jira refused {what} (400 Bad Request){said}: check the project key {site.project}, the "
                f"issue type {site.issue_type!r}, the priority names and the fields the project requires"
            )
        return TrackerError(f"Jira at {site.url} answered {what} with {status} {reason}{said}")


def _detail(response: Any) -> str:
    """Return what Jira said about an error: its errorMessages and field errors, else the text's start."""
    try:
        data = response.json()
    except ValueError:
        return " ".join(str(response.text or "").split())[:_DETAIL]
    if not isinstance(data, dict):
        return ""
    messages = [str(m) for m in data.get("errorMessages") or [] if m]
    errors = data.get("errors") or {}
    if isinstance(errors, dict):
        messages += [f"{field}: {message}" for field, message in errors.items()]
    return "; ".join(messages)[:_DETAIL]
