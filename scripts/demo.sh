#!/usr/bin/env bash
# The main demo, with set-up: ./scripts/demo.sh [--duration s] [--rate orders/s] [--period s] [--no-load] [--port 9308] [--no-prometheus]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The streamops CLIs the demo prints run from the built packages.
node_modules/.bin/tsc -b
exec node_modules/.bin/tsx --tsconfig tsconfig.check.json examples/demo/main.ts "$@"
