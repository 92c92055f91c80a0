#!/usr/bin/env bash
# Installs the Prometheus server used by the remote-write end-to-end test
# (test/prometheus-remote-write.test.ts): Debian's prometheus (2.42 on bookworm). The test starts its
# own instance on a loopback port with a temp TSDB (test/helpers/prometheus.ts); the packaged service
# (port 9090, /var/lib/prometheus) is stopped and disabled.
exec bash "$(dirname "$0")/install-debian-daemon.sh" Prometheus /usr/bin/prometheus prometheus prometheus prometheus
