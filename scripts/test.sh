#!/usr/bin/env bash
# The whole test suite: set-up, type check, lint, formatting, then every jest test.
# The last line is always "N passed, N failed"; static checks count as one test each,
# so a run where they fail, or where jest runs nothing, is never reported as clean.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! scripts/setup.sh; then
  echo "setup failed"
  echo "0 passed, 1 failed"
  exit 1
fi

results_dir=.test-results
rm -rf "$results_dir" && mkdir -p "$results_dir"
checks_passed=0
checks_failed=0

run_check() {
  local name=$1
  shift
  printf '\n== %s ==\n' "$name"
  if "$@"; then
    checks_passed=$((checks_passed + 1))
  else
    checks_failed=$((checks_failed + 1))
    printf '%s FAILED\n' "$name"
  fi
}

run_check typecheck node_modules/.bin/tsc -p tsconfig.check.json
run_check build node_modules/.bin/tsc -b
run_check lint node_modules/.bin/eslint --max-warnings 0 .
run_check format node_modules/.bin/prettier --check --log-level warn .

printf '\n== jest ==\n'
node_modules/.bin/jest --ci --maxWorkers=2 --json --outputFile="$results_dir/jest.json" "$@"
jest_status=$?

summary=$(node scripts/test-summary.js "$results_dir/jest.json" "$checks_passed" "$checks_failed" "$jest_status")
summary_status=$?
echo
echo "$summary"
exit "$summary_status"
