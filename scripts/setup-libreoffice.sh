#!/usr/bin/env bash
# LibreOffice Calc is the real spreadsheet client the UAT pack tests round-trip workbooks through.
# As root on Debian/Ubuntu, install it; elsewhere say how (the tests that need it are then skipped, saying why).
set -euo pipefail
if command -v soffice >/dev/null; then
  echo "LibreOffice: $(command -v soffice)"
  touch .libreoffice
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing LibreOffice Calc for the UAT pack round-trip tests (apt-get install -y libreoffice-calc) ..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc fonts-noto-cjk >/dev/null; then
    echo "LibreOffice: $(command -v soffice)"
    touch .libreoffice
    exit 0
  fi
  echo "warning: apt-get could not install libreoffice-calc; the LibreOffice round-trip tests will be skipped" >&2
else
  echo "note: LibreOffice is not installed; the UAT pack round-trip tests will be skipped." >&2
  echo "  Install it with: sudo apt-get install libreoffice-calc fonts-noto-cjk" >&2
fi
