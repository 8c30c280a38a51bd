#!/usr/bin/env bash
# Find PostgreSQL's server programs (initdb, pg_ctl) for the ledger's PostgreSQL tests, which start a
# throw-away cluster of their own; as root on Debian/Ubuntu, install Debian's postgresql. Without them
# (not root, no apt-get) those tests are skipped, saying why. Safe to run twice.
set -euo pipefail
find_programs() {
  if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
found=$(find_programs || true)
if [ -z "$found" ] || [ ! -x "$found/initdb" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's postgresql for the ledger's PostgreSQL tests (apt-get install -y postgresql) ..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    found=$(find_programs || true)
  else
    echo "note: PostgreSQL's server (initdb, pg_ctl) is not installed: the ledger's PostgreSQL tests will be" >&2
    echo "skipped. Install it with: sudo apt-get install postgresql" >&2
    exit 0
  fi
fi
echo "PostgreSQL: $found"
