#!/usr/bin/env bash
# Runs the whole test suite: the type check, then every vitest file against the local stack,
# which this script starts when it is not running. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/prepare.sh
. scripts/lib/prepare.sh
export FLOW_TEST_EXTERNAL_STACK=true

echo "Type check (tsc --noEmit)"
tsc --noEmit -p tsconfig.json

mkdir -p .stack/test
# A failed browser install must not stop the suite, because the dashboard test then skips and prints why.
bash deploy/local/install-chromium.sh || echo "install-chromium failed; the dashboard browser test will be skipped" >&2
status=0
vitest run --reporter=default --reporter=json --outputFile.json=.stack/test/results.json "$@" || status=$?
node scripts/print-test-summary.ts .stack/test/results.json || status=1
exit "$status"
