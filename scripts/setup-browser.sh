#!/usr/bin/env bash
# Installs the headless browser the report tests drive (Debian's `chromium`, found by test/report through
# playwright-core) when it is missing. Called by .ci/run before `npm test`; safe to run again (does nothing then).
set -euo pipefail
for candidate in "${LEANFLEET_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "setup-browser: $candidate present"
    exit 0
  fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-browser: chromium is missing and apt-get is not available; install Chromium and set LEANFLEET_CHROMIUM to its path" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-browser: chromium is missing; run as root or install sudo (apt-get install chromium)" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "setup-browser: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
