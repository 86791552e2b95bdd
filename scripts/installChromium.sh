#!/usr/bin/env bash
# The browser tests (tests/browser) drive Debian's Chromium through puppeteer-core: browser-download installers
# (Puppeteer's, Playwright's) cannot reach their hosts from these machines. Installs it when it is missing (as root,
# or with sudo). `npm run setup:browser`; .ci/run runs it.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
chromium --version
