#!/usr/bin/env bash
# Installs the Prometheus Alertmanager used by the alert feed tests (test/alert-feeds.test.ts):
# Debian's prometheus-alertmanager (0.25 on bookworm). The tests start their own instance on a
# loopback port (test/helpers/alertmanager.ts); the packaged service is stopped and disabled.
exec bash "$(dirname "$0")/install-debian-daemon.sh" Alertmanager /usr/bin/prometheus-alertmanager prometheus-alertmanager prometheus prometheus-alertmanager
