#!/usr/bin/env bash
# Installs VictoriaMetrics (Debian's victoria-metrics), which `npm run bench` sends the same push load
# as fleetscope for a side-by-side ratio (bench/formats.ts starts its own instance on loopback).
exec bash "$(dirname "$0")/install-debian-daemon.sh" VictoriaMetrics /usr/bin/victoria-metrics victoria-metrics _victoria-metrics victoria-metrics
