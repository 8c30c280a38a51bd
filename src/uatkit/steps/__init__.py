"""A generic step library for any project: HTTP API, browser and data steps.

Use it from a conftest.py:

    pytest_plugins = ["uatkit.steps.http", "uatkit.steps.browser", "uatkit.steps.data"]

The steps use the plugin's fixtures: `api` (a requests session bound to the base URL), `uatkit_page`
(pytest-playwright's page, traced) and `faker` (seeded per scenario).
"""
