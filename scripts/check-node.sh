#!/usr/bin/env bash
# The pinned Allure 3 CLI needs Node.js >= 20 with npm. Debian 12's own nodejs is 18 (and bookworm-backports
# has none newer): it installs but fails at the report step, so this says so before `npm ci`.
set -euo pipefail
how="Get Node.js 20: on Debian/Ubuntu from NodeSource:
    curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs
  or with nvm (no root): nvm install 20; elsewhere: https://nodejs.org (Windows, macOS installers)."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "error: Node.js >= 20 with npm is needed for the Allure report CLI, and none is on the PATH." >&2
  echo "  $how" >&2
  exit 1
fi
version=$(node --version)
major=${version#v}
major=${major%%.*}
if [ "$major" -lt 20 ]; then
  echo "error: Node.js $version is too old for the Allure report CLI: it needs >= 20." >&2
  echo "  $how" >&2
  exit 1
fi
