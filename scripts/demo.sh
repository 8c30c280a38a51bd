#!/usr/bin/env bash
# The main job on the bundled demo project: what exists of the chain, run end to end, saying what it did.
set -euo pipefail
cd "$(dirname "$0")/.."
uatkit=.venv/bin/uatkit

# Part way, the demo changes one story through a change request (REQ-105); it puts the story, its feature and
# the request back when it ends, so the project stays as committed and the demo can run again.
changed_story=stories/sales/REQ-105-print-invoice.md
changed_feature=features/sales/REQ-105-print-an-invoice-for-an-order.feature
keep=$(mktemp -d)
cp "$changed_story" "$keep/story.md"
cp "$changed_feature" "$keep/feature"
restore() {
  cp "$keep/story.md" "$changed_story"
  cp "$keep/feature" "$changed_feature"
  rm -f changes/CR-1.md
  rmdir changes 2>/dev/null || true
  rm -rf "$keep"
}
trap restore EXIT
rm -f changes/CR-1.md
# The demo starts its simulated round from scratch each time (a real project keeps its ledger and results):
# a previous demo's marks and results would be stale evidence to `uatkit check` below.
rm -rf uat_packs/R1 reports/uat.db reports/uat.db-* reports/uat-results reports/replaced-packs \
  reports/allure-results reports/imported-results reports/merged-results reports/dev-unit-tests

echo "== 0. The story catalogue (uatkit stories)"
$uatkit stories
echo
echo "== 0b. The scope the client signed at the start: baseline R1 (baselines/R1.json, committed with the"
echo "   project) and its requirements specification for signature (baselines/specification-r1.pdf)"
$uatkit baseline show R1
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
echo "== 4b. The developers' own unit tests (SIMULATED: the JUnit XML a Java service's Maven build leaves), imported"
echo "   as unit evidence, linked to cases by the IDs in the test names; a test naming none is listed, not dropped"
echo "   (the demo's own pytest unit checks run as well, so uatkit warns that unit is not an external-only level)"
rm -rf reports/dev-unit-tests
.venv/bin/python -m fixtures.simulated_devtests reports/dev-unit-tests
$uatkit evidence import reports/dev-unit-tests --from junit --level unit --source orders-service \
  --app-version 1.0.0 --environment "developer CI (simulated)"
echo
echo "== 5. UAT packs out: one workbook per business owner (Chinese where the owner's stories are), each saying"
echo "   where to test, the version and build under test (from the run above) and whom to ask"
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
echo "== 10b. Defects to file: UAT Fail/Blocked marks and failed results that no defect ID names yet, written"
echo "   for Jira's CSV importer (reports/defects-jira.csv) and ZenTao's 导入Bug workbook (reports/defects-zentao.xlsx)"
$uatkit defects export --to jira-csv
$uatkit defects export --to zentao
echo
echo "== 11. The sign-off verdict for the acceptance meeting, recorded in the ledger with its evidence set"
# NO-GO exits 1 by design (CI can gate on it); the demo reports the verdict instead of failing.
code=0
$uatkit signoff --record --by "Acceptance meeting (simulated)" --note "uatkit demo" || code=$?
[ "$code" -le 1 ] || exit "$code"
echo
echo "== 12. The recorded sign-offs (each current, or superseded once newer evidence exists)"
$uatkit signoff --history
echo
echo "== 13. A change request: the client wants the VAT number on the printed invoice (changes/CR-1.md)"
$uatkit change new --id CR-1 --title "VAT number on the printed invoice" --changes REQ-105 \
  --reason "Tax office requirement (simulated)" --requested-by "Finance (simulated)"
.venv/bin/python - "$changed_story" <<'PY'
import sys
from pathlib import Path

story = Path(sys.argv[1])
text = story.read_text(encoding="utf-8")
story.write_text(text.replace("shows the company logo at the top", "shows the company logo and the VAT number at the top"), encoding="utf-8")
PY
$uatkit generate
echo
echo "== 14. What changed since the baseline and what it reopens (reports/change-impact.html, .xlsx);"
echo "   the request is not approved yet, so the change is not covered (exit 1)"
code=0
$uatkit baseline diff --html --xlsx || code=$?
[ "$code" -le 1 ] || exit "$code"
echo
echo "== 15. The change request approved: the change is covered"
$uatkit change approve CR-1 --by "Client steering committee (simulated)"
$uatkit baseline diff
echo
echo "== 16. Re-test round 2: packs holding only the rows the business users must test again, each saying why"
$uatkit uat export --release R1 --by owner --retest
.venv/bin/python -m fixtures.simulated_uat uat_packs/R1/*-r2.xlsx
$uatkit uat import uat_packs/R1
$uatkit uat status
echo
echo "== 17. The report, matrix and sign-off on the new evidence, recorded"
$uatkit report
$uatkit trace
code=0
$uatkit signoff --record --by "Acceptance meeting (simulated)" --note "uatkit demo, after re-test round 2" || code=$?
[ "$code" -le 1 ] || exit "$code"
verdict=$($uatkit signoff --format json --no-write | .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["outcome"])' || true)
echo
echo "== 18. The acceptance certificate for signature (reports/acceptance-certificate.pdf)"
if [ "$verdict" = "NO-GO" ]; then
  echo "No certificate: the verdict is NO-GO, and a certificate of acceptance cannot rest on it."
else
  $uatkit signoff --certificate --client "Demo Retail Ltd (client)" --vendor "uatkit demo team (vendor)"
fi
echo
echo "Demo done. Verdict: $verdict (the reasons are above and on the sign-off page)."
echo "  Allure report:        reports/allure-report/index.html"
echo "  Traceability matrix:  reports/traceability.html (.xlsx, .json)"
echo "  Sign-off page:        reports/signoff.html (recorded: uatkit signoff --history)"
echo "  Evidence set:         reports/merged-results/uatkit-evidence.json"
echo "  UAT packs:            uat_packs/R1/   ledger: reports/uat.db"
echo "  Certificate:          reports/acceptance-certificate.pdf (.html)"
echo "  Signed scope:         baselines/R1.json, baselines/specification-r1.pdf"
echo "  Change impact:        reports/change-impact.html (.xlsx)"
echo "  Defects to file:      reports/defects-jira.csv (Jira), reports/defects-zentao.xlsx (ZenTao)"
