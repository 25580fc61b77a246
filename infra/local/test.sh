#!/usr/bin/env bash
# `npm test`: install, start the isolated test stack (unless one is already up, which is then
# reused and left running), type-check, check formatting, run every test, stop what we started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash infra/local/install.sh

stack() { bash infra/local/stack.sh "$@" --name test; }
if stack status >/dev/null 2>&1; then
  echo "test: reusing the running test stack"
else
  trap 'stack down' EXIT
  stack up
fi
eval "$(stack env)"

echo "test: type check"
bash infra/local/pnpm.sh exec tsc -p packages/tsconfig/check.json
echo "test: format check"
bash infra/local/pnpm.sh exec prettier --check --log-level warn .
echo "test: vitest"
report=.stack/vitest-report.json
mkdir -p .stack
status=0
bash infra/local/pnpm.sh exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line, whatever reads the log.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)
' "$report" 2>/dev/null || true
exit $status
