#!/usr/bin/env bash
# The lowest-versions job: install the lowest version of each direct dependency pyproject.toml allows
# (uv's --resolution lowest-direct; their own dependencies resolve to the newest that fit) into a separate
# virtualenv and run the engine tests that need no browser and no Allure CLI against them.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-lowest
UV=.venv/bin/uv
test -x "$VENV/bin/python" || "$UV" venv --quiet --python .venv/bin/python "$VENV"
# Every extra but the browser: the api and allure extras' bounds are exercised by the plugin's tests, the
# postgresql extra's (psycopg) by the ledger's PostgreSQL tests.
"$UV" pip install --quiet --python "$VENV/bin/python" --resolution lowest-direct -e '.[api,allure,postgresql]' 'pytest-xdist>=3'
# Test-only tools at the versions the main environment uses.
"$UV" pip install --quiet --python "$VENV/bin/python" -c constraints.txt hypothesis
# setuptools leaves an egg-info in src/ that pytest would take for a second uatkit distribution
rm -rf src/*.egg-info
"$UV" pip list --python "$VENV/bin/python" 2>/dev/null \
    | grep -iE '^(typer|pytest|pytest-bdd|pytest-xdist|python-calamine|openpyxl|gherkin-official|pyyaml|rich|jinja2|msgspec|markdown-it-py|allure-pytest-bdd|allure-python-commons|requests|faker|psycopg) '
# A selection that reaches every direct dependency (CLI, stories from Excel, UAT import, the pytest plugin);
# --base-url comes with the browser extra (pytest-playwright), which this job leaves out.
"$VENV/bin/python" -m pytest -p no:cacheprovider -n 2 -q \
    -k "not unreachable_system and not session_fixture_could_start and not unit_level_runs_without_the_system" \
    tests/test_cli.py tests/test_generate.py tests/test_config.py tests/test_check_and_init.py \
    tests/test_stories_excel.py tests/test_uat_import.py tests/test_plugin.py tests/test_uat_ledger_postgresql.py
