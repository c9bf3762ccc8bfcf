#!/usr/bin/env bash
# Make a headless Chromium available on a Debian (bookworm) CI host, for
# tests/reports/test_report_in_browser.py (the HTML report opened in a real browser,
# driven by Playwright (executable_path: no browser download); no display needed).  Installs Debian's
# `chromium` package if it is not on PATH.  Idempotent; run as root.
set -euo pipefail

log() { echo "setup-browser: $*" >&2; }
die() { echo "setup-browser: ERROR: $*" >&2; exit 1; }

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi

[ "$(id -u)" -eq 0 ] || die "must run as root"
export DEBIAN_FRONTEND=noninteractive

log "installing: chromium"
# Update the index only when it is older than a day or does not know chromium.
aptlog=/tmp/setup-browser-apt.log
fresh=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -n1)
if [ -z "$fresh" ] || ! apt-cache show chromium >/dev/null 2>&1; then
    apt-get update -qq >"$aptlog" 2>&1 || die "apt-get update failed; see $aptlog"
fi
apt-get install -y -qq --no-install-recommends chromium >>"$aptlog" 2>&1 \
    || die "apt-get install chromium failed; see $aptlog"
command -v chromium >/dev/null 2>&1 || die "chromium not on PATH after install"
log "$(chromium --version 2>/dev/null)"
