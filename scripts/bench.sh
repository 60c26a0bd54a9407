#!/usr/bin/env bash
# Runs the benchmarks against the local stack, which it starts when it is not running.
# Arguments go to bench/load-vs-copy.ts (for example: --cases truncate,blue_green 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib/prepare.sh
. scripts/lib/prepare.sh

node bench/load-vs-copy.ts "$@"
node bench/print-results.ts bench/data/load-vs-copy.json
if [ -f bench/lag-monitor.ts ] && [ "$#" -eq 0 ]; then
  node bench/lag-monitor.ts
fi
