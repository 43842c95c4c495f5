#!/usr/bin/env bash
# Chromium and a CJK font for the real-browser tests, from Debian's packages. Playwright's own
# browser download cannot work offline; the tests drive /usr/bin/chromium instead.
set -euo pipefail
have_font() { fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; }
if [ -x /usr/bin/chromium ] && have_font; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null || { echo "install-browser: need root or sudo to apt-get install chromium fonts-wqy-microhei" >&2; exit 1; }
    SUDO="sudo"
fi
echo "installing chromium and fonts-wqy-microhei from Debian packages…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei fontconfig >/dev/null
[ -x /usr/bin/chromium ] || { echo "install-browser: /usr/bin/chromium missing after install" >&2; exit 1; }
