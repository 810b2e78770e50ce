#!/usr/bin/env bash
# Runs one example with set-up: ./scripts/example.sh <name> [flags]   (--help for its flags)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 1 || ! -f "examples/$1/main.ts" ]]; then
  echo "usage: ./scripts/example.sh <example> [flags]; examples: $(cd examples && ls -d */ | grep -v support | tr -d / | tr '\n' ' ')" >&2
  exit 2
fi
example="$1"
shift
scripts/setup.sh >/dev/null
exec node_modules/.bin/tsx --tsconfig tsconfig.check.json "examples/$example/main.ts" "$@"
