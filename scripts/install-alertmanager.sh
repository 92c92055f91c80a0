#!/usr/bin/env bash
# Installs the Prometheus Alertmanager used by the alert feed tests (test/alert-feeds.test.ts):
# Debian's prometheus-alertmanager (0.25 on bookworm). The tests start their own instance on a
# loopback port (test/helpers/alertmanager.ts); the system service the package ships must not run, so
# it is stopped and disabled if the package started it (in containers policy-rc.d usually prevents that).
# Idempotent: does nothing but the service check when the binary is already present.
set -euo pipefail

readonly BIN=/usr/bin/prometheus-alertmanager
readonly PACKAGES=(prometheus-alertmanager)
readonly SERVICE=prometheus-alertmanager

fail() {
  echo "install-alertmanager: $*" >&2
  exit 1
}

version() {
  "$BIN" --version 2>&1 | grep -m1 -o 'version [0-9][^ ]*' || echo 'version unknown'
}

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  fi
fi

need_root() {
  if [[ "$(id -u)" -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
    fail "cannot $1: not running as root and sudo is not available"
  fi
}

# Stops and disables the packaged service, whichever init system is present. A service left running
# would hold port 9093 and 9094 on all interfaces and read /etc/prometheus/alertmanager.yml.
stop_system_service() {
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    if systemctl is-active --quiet "$SERVICE" || systemctl is-enabled --quiet "$SERVICE" 2>/dev/null; then
      need_root "stop the $SERVICE service"
      echo "install-alertmanager: stopping and disabling the $SERVICE system service"
      "${SUDO[@]}" systemctl disable --now "$SERVICE" || fail "cannot stop the $SERVICE service: systemctl disable --now failed"
    fi
    return 0
  fi
  # No systemd running (a container): still remove the unit's boot-time link so a later boot with
  # systemd does not start it.
  if command -v systemctl >/dev/null 2>&1 && [[ -e "/etc/systemd/system/multi-user.target.wants/$SERVICE.service" ]]; then
    need_root "disable the $SERVICE service"
    "${SUDO[@]}" systemctl disable "$SERVICE" >/dev/null 2>&1 || fail "cannot disable the $SERVICE service: systemctl disable failed"
  fi
  if [[ -x "/etc/init.d/$SERVICE" ]] && "/etc/init.d/$SERVICE" status >/dev/null 2>&1; then
    need_root "stop the $SERVICE service"
    echo "install-alertmanager: stopping the $SERVICE init.d service"
    "${SUDO[@]}" "/etc/init.d/$SERVICE" stop || fail "cannot stop the $SERVICE service: /etc/init.d/$SERVICE stop failed"
  fi
  if command -v update-rc.d >/dev/null 2>&1 && [[ -x "/etc/init.d/$SERVICE" ]]; then
    "${SUDO[@]}" update-rc.d "$SERVICE" disable >/dev/null 2>&1 || true
  fi
  # Last check: a daemon started by the package whose init script cannot report it.
  local pids
  pids="$(pgrep -x prometheus-aler -u prometheus 2>/dev/null || true)"
  if [[ -n "$pids" ]]; then
    need_root "stop the packaged Alertmanager (pid $pids)"
    echo "install-alertmanager: stopping the packaged Alertmanager (pid $pids)"
    # shellcheck disable=SC2086
    "${SUDO[@]}" kill $pids || fail "cannot stop the packaged Alertmanager (pid $pids)"
  fi
}

if [[ -x "$BIN" ]]; then
  stop_system_service
  echo "install-alertmanager: Alertmanager is already installed ($(version))"
  exit 0
fi
echo "install-alertmanager: missing: $BIN"

if ! command -v apt-get >/dev/null 2>&1; then
  fail "cannot install Alertmanager: apt-get not found (this script supports Debian/Ubuntu only); install ${PACKAGES[*]} by hand"
fi
need_root "install Alertmanager"

echo "install-alertmanager: apt-get update"
"${SUDO[@]}" apt-get update \
  || fail "cannot install Alertmanager: apt-get update failed"

echo "install-alertmanager: apt-get install ${PACKAGES[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}" \
  || fail "cannot install Alertmanager: apt-get install ${PACKAGES[*]} failed"

[[ -x "$BIN" ]] || fail "cannot install Alertmanager: $BIN still missing after apt-get install"
stop_system_service
echo "install-alertmanager: installed ($(version))"
