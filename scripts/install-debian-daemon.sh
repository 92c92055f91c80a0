#!/usr/bin/env bash
# Installs a Debian package whose daemon the tests or benchmarks start themselves on loopback ports,
# and makes sure the system service the package ships does not run (it would hold the standard ports
# and read /etc). Idempotent: when the binary is present, only the service check runs.
#   scripts/install-debian-daemon.sh NAME BINARY SERVICE PROCESS_USER PACKAGE...
# NAME names it in messages; PROCESS_USER is the user a packaged daemon runs as (for a last check).
set -euo pipefail

if [[ $# -lt 5 ]]; then
  echo "usage: $0 NAME BINARY SERVICE PROCESS_USER PACKAGE..." >&2
  exit 2
fi
readonly NAME=$1 BIN=$2 SERVICE=$3 PROCESS_USER=$4
shift 4
readonly PACKAGES=("$@")
readonly TAG="install-${NAME,,}"

fail() {
  echo "$TAG: $*" >&2
  exit 1
}

version() {
  "$BIN" --version 2>&1 | grep -m1 -o -E 'version [v0-9][^ ,]*|v[0-9]+\.[0-9]+\.[0-9]+' \
    || dpkg-query -W -f='package ${Version}' "${PACKAGES[0]}" 2>/dev/null \
    || echo 'version unknown'
}

SUDO=()
if [[ "$(id -u)" -ne 0 ]] && command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
fi

need_root() {
  if [[ "$(id -u)" -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
    fail "cannot $1: not running as root and sudo is not available"
  fi
}

# Stops and disables the packaged service, whichever init system is present.
stop_system_service() {
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    if systemctl is-active --quiet "$SERVICE" || systemctl is-enabled --quiet "$SERVICE" 2>/dev/null; then
      need_root "stop the $SERVICE service"
      echo "$TAG: stopping and disabling the $SERVICE system service"
      "${SUDO[@]}" systemctl disable --now "$SERVICE" || fail "cannot stop the $SERVICE service: systemctl disable --now failed"
    fi
    return 0
  fi
  # No systemd running (a container): still remove the boot-time link so a later boot does not start it.
  if command -v systemctl >/dev/null 2>&1 && [[ -e "/etc/systemd/system/multi-user.target.wants/$SERVICE.service" ]]; then
    need_root "disable the $SERVICE service"
    "${SUDO[@]}" systemctl disable "$SERVICE" >/dev/null 2>&1 || fail "cannot disable the $SERVICE service: systemctl disable failed"
  fi
  if [[ -x "/etc/init.d/$SERVICE" ]] && "/etc/init.d/$SERVICE" status >/dev/null 2>&1; then
    need_root "stop the $SERVICE service"
    echo "$TAG: stopping the $SERVICE init.d service"
    "${SUDO[@]}" "/etc/init.d/$SERVICE" stop || fail "cannot stop the $SERVICE service: /etc/init.d/$SERVICE stop failed"
  fi
  if command -v update-rc.d >/dev/null 2>&1 && [[ -x "/etc/init.d/$SERVICE" ]]; then
    "${SUDO[@]}" update-rc.d "$SERVICE" disable >/dev/null 2>&1 || true
  fi
  # Last check: a daemon started by the package whose init script cannot report it.
  local pids
  pids="$(pgrep -u "$PROCESS_USER" -f "$BIN" 2>/dev/null || true)"
  if [[ -n "$pids" ]]; then
    need_root "stop the packaged $NAME (pid $pids)"
    echo "$TAG: stopping the packaged $NAME (pid $pids)"
    # shellcheck disable=SC2086
    "${SUDO[@]}" kill $pids || fail "cannot stop the packaged $NAME (pid $pids)"
  fi
}

if [[ -x "$BIN" ]]; then
  stop_system_service
  echo "$TAG: $NAME is already installed ($(version))"
  exit 0
fi
echo "$TAG: missing: $BIN"

if ! command -v apt-get >/dev/null 2>&1; then
  fail "cannot install $NAME: apt-get not found (this script supports Debian/Ubuntu only); install ${PACKAGES[*]} by hand"
fi
need_root "install $NAME"

echo "$TAG: apt-get update"
"${SUDO[@]}" apt-get update || fail "cannot install $NAME: apt-get update failed"

echo "$TAG: apt-get install ${PACKAGES[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}" \
  || fail "cannot install $NAME: apt-get install ${PACKAGES[*]} failed"

[[ -x "$BIN" ]] || fail "cannot install $NAME: $BIN still missing after apt-get install"
stop_system_service
echo "$TAG: installed ($(version))"
