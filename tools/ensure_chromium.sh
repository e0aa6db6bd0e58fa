#!/bin/sh
# Headless Chromium and its WebDriver for the dashboard's browser test, from Debian's own
# packages (no browser download). Idempotent and quiet: nothing happens when both are there.
# It never stops `make` from setting up: when it cannot install (not root, no apt, no
# network), it says so once and the browser test then skips with the reason (fails in CI).
set -u

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: install Debian's chromium and chromium-driver for the browser test" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        chromium chromium-driver fonts-dejavu-core; } >/dev/null 2>&1; then
    echo "ensure_chromium: apt-get could not install chromium and chromium-driver" >&2
fi
exit 0
