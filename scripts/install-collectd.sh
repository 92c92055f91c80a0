#!/usr/bin/env bash
# Installs the collectd daemon used by the end-to-end tests (test/collectd-e2e.test.ts):
# Debian's collectd-core 5.12 plus the libraries its write_http and network plugins need
# (collectd-core only "suggests" them; without libyajl2 write_http fails to load).
# Idempotent: does nothing when the daemon, both plugins and types.db are already present.
# collectd-core never starts a system daemon by itself (its unit needs /etc/collectd/collectd.conf).
set -euo pipefail

readonly REQUIRED_FILES=(
  /usr/sbin/collectd
  /usr/lib/collectd/write_http.so
  /usr/lib/collectd/network.so
  /usr/share/collectd/types.db
)
readonly PACKAGES=(collectd-core libyajl2 libcurl3-gnutls libgcrypt20)

fail() {
  echo "install-collectd: $*" >&2
  exit 1
}

missing_files() {
  local f
  for f in "${REQUIRED_FILES[@]}"; do
    [[ -e "$f" ]] || echo "$f"
  done
}

missing="$(missing_files)"
if [[ -z "$missing" ]]; then
  echo "install-collectd: collectd is already installed ($(/usr/sbin/collectd -h 2>&1 | grep -m1 -o 'collectd [0-9][^ ,]*' || echo 'version unknown'))"
  exit 0
fi
echo "install-collectd: missing:" $missing

if ! command -v apt-get >/dev/null 2>&1; then
  fail "cannot install collectd: apt-get not found (this script supports Debian/Ubuntu only); install ${PACKAGES[*]} by hand"
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    fail "cannot install collectd: not running as root and sudo is not available"
  fi
fi

echo "install-collectd: apt-get update"
"${SUDO[@]}" apt-get update \
  || fail "cannot install collectd: apt-get update failed"

echo "install-collectd: apt-get install ${PACKAGES[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}" \
  || fail "cannot install collectd: apt-get install ${PACKAGES[*]} failed"

missing="$(missing_files)"
if [[ -n "$missing" ]]; then
  fail "cannot install collectd: still missing after apt-get install:" $missing
fi
echo "install-collectd: installed ($(/usr/sbin/collectd -h 2>&1 | grep -m1 -o 'collectd [0-9][^ ,]*' || echo 'version unknown'))"
