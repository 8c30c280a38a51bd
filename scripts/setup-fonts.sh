#!/usr/bin/env bash
# Chinese documents (the requirements specification, UAT packs, pages) need a CJK font, which a fresh Debian
# lacks: Chromium then prints boxes. As root on Debian/Ubuntu, install fonts-noto-cjk; elsewhere say how.
set -euo pipefail
if command -v fc-list >/dev/null && [ -n "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]; then
  echo "Chinese font: $(fc-list :lang=zh family | head -n 1)"
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing a Chinese font for documents and pages (apt-get install -y fonts-noto-cjk) ..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; then
    echo "Chinese font: Noto Sans CJK (fonts-noto-cjk)"
    exit 0
  fi
  echo "warning: apt-get could not install fonts-noto-cjk; Chinese text in PDFs will show as boxes" >&2
else
  echo "note: no Chinese font is installed; Chinese text in PDFs and screenshots will show as boxes." >&2
  echo "  Install one with: sudo apt-get install fonts-noto-cjk" >&2
fi
