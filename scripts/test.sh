#!/usr/bin/env bash
# Runs every test: type check, unit tests, then integration tests against real services (installed
# here when missing). Ends with one summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache
status=0

bash scripts/install-collectd.sh || { echo "cannot install collectd (needed by the end-to-end tests)"; status=1; }
bash scripts/install-alertmanager.sh || { echo "cannot install Alertmanager (needed by the alert feed tests)"; status=1; }
bash scripts/install-prometheus.sh || { echo "cannot install Prometheus (needed by the remote write end-to-end test)"; status=1; }
bash scripts/install-chromium.sh || { echo "cannot install chromium (needed by the browser tests of the dashboards and the capacity report)"; status=1; }
bash scripts/kafka-broker.sh fetch || { echo "cannot gather the Kafka broker from Maven Central (needed by the Kafka tests)"; status=1; }
npx tsc --noEmit -p . || status=1
npx tsc --noEmit -p ui || status=1
node --import tsx scripts/build-ui.ts || { echo "cannot build the dashboards (needed by the browser tests)"; status=1; }

npx vitest run --project unit --reporter=default --reporter=json --outputFile=.cache/unit.json || status=1
npx vitest run --project integration --no-file-parallelism --reporter=default --reporter=json --outputFile=.cache/integration.json || status=1

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of [".cache/unit.json", ".cache/integration.json"]) {
    if (!fs.existsSync(f)) { failed++; console.log(`missing test report ${f}`); continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
    if (r.numFailedTestSuites > 0 && r.numFailedTests === 0) failed += r.numFailedTestSuites;
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (failed > 0 || passed === 0) process.exitCode = 1;
' || status=1
exit $status
