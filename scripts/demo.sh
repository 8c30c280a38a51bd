#!/usr/bin/env bash
# The main job on the bundled demo project: what exists of the chain, run end to end, saying what it did.
set -euo pipefail
cd "$(dirname "$0")/.."
uatkit=.venv/bin/uatkit

echo "== 0. The story catalogue (uatkit stories)"
$uatkit stories
echo
echo "== 1. Stories → Gherkin features (uatkit generate)"
$uatkit generate
echo
echo "== 2. Features in step with their stories (uatkit generate --check)"
$uatkit generate --check
echo
echo "== 3. Stories against features (uatkit check --no-steps)"
$uatkit check --no-steps
echo
echo "Demo done: stories in stories/, generated features in features/."
