#!/usr/bin/env bash
# Installs Debian's chromium, the real browser the capacity report test opens its HTML in
# (test/capacity-report.test.ts, through playwright-core with executablePath /usr/bin/chromium).
# Idempotent: does nothing when /usr/bin/chromium is already present. Do not use
# `npx playwright install`: it downloads its own browser build, which this network does not allow.
set -euo pipefail

readonly BINARY=/usr/bin/chromium
readonly PACKAGES=(chromium fonts-dejavu-core)

fail() {
  echo "install-chromium: $*" >&2
  exit 1
}

version() {
  # The Debian wrapper script prints a harmless "[: …: unexpected operator" on stderr.
  "$BINARY" --version 2>/dev/null || echo 'version unknown'
}

if [[ -x "$BINARY" ]]; then
  echo "install-chromium: chromium is already installed ($(version))"
  exit 0
fi
echo "install-chromium: missing: $BINARY"

if ! command -v apt-get >/dev/null 2>&1; then
  fail "cannot install chromium: apt-get not found (this script supports Debian/Ubuntu only); install ${PACKAGES[*]} by hand"
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    fail "cannot install chromium: not running as root and sudo is not available"
  fi
fi

echo "install-chromium: apt-get update"
"${SUDO[@]}" apt-get update \
  || fail "cannot install chromium: apt-get update failed"

echo "install-chromium: apt-get install ${PACKAGES[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}" \
  || fail "cannot install chromium: apt-get install ${PACKAGES[*]} failed"

[[ -x "$BINARY" ]] || fail "cannot install chromium: $BINARY still missing after apt-get install"
echo "install-chromium: installed ($(version))"
