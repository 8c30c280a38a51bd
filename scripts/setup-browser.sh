#!/usr/bin/env bash
# Find a Chromium for the end-to-end checks as the plugin will (python -m uatkit.browsers);
# as root on Debian/Ubuntu, install Debian's chromium. Records the choice in .browser.
set -euo pipefail
# The one browser finder (uatkit.browsers): UATKIT_BROWSER, Playwright's own build, a system Chromium.
found=$(.venv/bin/python -m uatkit.browsers || true)
if [ -z "$found" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser checks (apt-get install -y chromium) ..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    found=$(command -v chromium)
  else
    echo "error: no Chromium found for the browser checks. Install one of:" >&2
    echo "  sudo apt-get install chromium        (Debian/Ubuntu)" >&2
    echo "  .venv/bin/playwright install chromium (where downloads are allowed)" >&2
    echo "or set UATKIT_BROWSER=/path/to/chrome" >&2
    exit 1
  fi
fi
echo "$found" > .browser
echo "Browser: $found"
