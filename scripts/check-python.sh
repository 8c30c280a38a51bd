#!/usr/bin/env bash
# Stop early, with what to install, when the Python given is missing or older than 3.11.
python=${1:-python3}
if ! command -v "$python" >/dev/null; then
  echo "error: $python not found; install Python 3.11 or newer (apt-get install python3 python3-venv)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: uatkit needs Python 3.11 or newer; $python is $("$python" --version 2>&1). Run: make PYTHON=python3.11 ..." >&2
  exit 1
fi
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "error: $python cannot create virtualenvs; install python3-venv (apt-get install python3-venv)" >&2
  exit 1
fi
