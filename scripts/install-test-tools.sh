#!/usr/bin/env bash
# What the browser tests inject into pages, from npm: axe-core (package.json, pinned by
# package-lock.json) into node_modules/. Without npm the accessibility checks are skipped and say
# so; CI sets ZHENGCE_REQUIRE_AXE=1, which makes them fail instead.
set -euo pipefail
cd "$(dirname "$0")/.."
AXE=node_modules/axe-core/axe.min.js
if [ -f "$AXE" ] && [ "$AXE" -nt package-lock.json ]; then
    exit 0
fi
if ! command -v npm >/dev/null; then
    echo "install-test-tools: npm not found — the axe-core accessibility checks will be skipped (install Node.js and npm to run them)" >&2
    exit 0
fi
npm ci --no-audit --no-fund --silent
touch "$AXE"
