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
echo "== 3. Stories, features and step definitions agree (uatkit check)"
$uatkit check
echo
echo "== 4. The demo suite at every level: unit, integration (HTTP API), e2e (Chromium)"
echo "   (the session starts the demo system itself on a free port)"
.venv/bin/python -m pytest -n 2 -q --alluredir reports/allure-results --clean-alluredir
echo
echo "== 5. UAT packs out: one workbook per business owner (Chinese where the owner's stories are)"
# The demo starts its simulated UAT round from scratch each time; a real project keeps its ledger.
rm -rf uat_packs/R1 reports/uat.db reports/uat.db-* reports/uat-results reports/replaced-packs
$uatkit uat export --release R1 --by owner
echo
echo "== 6. Business users fill them in (SIMULATED: faker testers marked '(simulated)', a few failures)"
.venv/bin/python -m fixtures.simulated_uat uat_packs/R1
echo
echo "== 7. UAT packs back: checked, recorded in the ledger (reports/uat.db), UAT results for Allure"
$uatkit uat import uat_packs/R1
echo
echo "== 8. UAT progress"
$uatkit uat status
echo
echo "== 9. One merged Allure report: automated levels and UAT, environment, categories, history,"
echo "   and the evidence set it declares (reports/merged-results/uatkit-evidence.json)"
$uatkit report
echo
echo "== 10. The traceability matrix of exactly that evidence set: every requirement, its cases, each level and UAT"
$uatkit trace
echo
echo "== 11. The sign-off verdict for the acceptance meeting, recorded in the ledger with its evidence set"
# NO-GO exits 1 by design (CI can gate on it); the demo reports the verdict instead of failing.
code=0
$uatkit signoff --record --by "Acceptance meeting (simulated)" --note "uatkit demo" || code=$?
[ "$code" -le 1 ] || exit "$code"
echo
echo "== 12. The recorded sign-offs (each current, or superseded once newer evidence exists)"
$uatkit signoff --history
verdict=$($uatkit signoff --format json --no-write | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["outcome"])' || true)
echo
echo "Demo done. Verdict: $verdict (the reasons are above and on the sign-off page)."
echo "  Allure report:        reports/allure-report/index.html"
echo "  Traceability matrix:  reports/traceability.html (.xlsx, .json)"
echo "  Sign-off page:        reports/signoff.html (recorded: uatkit signoff --history)"
echo "  Evidence set:         reports/merged-results/uatkit-evidence.json"
echo "  UAT packs:            uat_packs/R1/   ledger: reports/uat.db"
