#!/bin/sh
# Headless Chromium and its WebDriver for the dashboard's browser test, from Debian's own
# packages (no browser download). Idempotent and quiet: does nothing when both are present,
# and nothing when not root (the test then explains why it is skipped, or fails under CI).
set -eu

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: chromium missing; install Debian's chromium and chromium-driver" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core \
    >/dev/null
