#!/usr/bin/env bash
# What the tests need from Debian's packages: Chromium and a CJK font for the real-browser tests
# (Playwright's own browser download cannot work offline, so the tests drive /usr/bin/chromium),
# and nginx for the test of the documented reverse-proxy front (deploy/nginx.conf).
set -euo pipefail
have_font() { fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; }
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
have_font || missing+=(fonts-wqy-microhei fontconfig)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null || { echo "install-system-packages: need root or sudo to apt-get install ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
fi
# Debian starts a freshly installed nginx on port 80; the tests start their own on a loopback
# port, so package scripts are told not to start services (unless the machine already says so).
POLICY=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod +x "$POLICY"
    made_policy=1
fi
trap '[ -n "$made_policy" ] && $SUDO rm -f "$POLICY"' EXIT
echo "installing ${missing[*]} from Debian packages…"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ -x /usr/bin/chromium ] || { echo "install-system-packages: /usr/bin/chromium missing after install" >&2; exit 1; }
[ -x /usr/sbin/nginx ] || { echo "install-system-packages: /usr/sbin/nginx missing after install" >&2; exit 1; }
