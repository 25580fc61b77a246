#!/usr/bin/env bash
# `npm start`: install, start the dev stack, migrate, start every service, load demo data,
# serve on :8080 (ADFLOW_PORT), and on Ctrl-C stop the services and then the stack.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash infra/local/install.sh

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "start: stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # They finish in-flight batches first; the stack stops only once they are gone.
  local deadline=$((SECONDS + 30))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && { echo "start: $pid did not stop in 30s; killing it" >&2; kill -KILL "$pid" 2>/dev/null || true; }
  done
  bash infra/local/stack.sh down
}
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

bash infra/local/stack.sh up
eval "$(bash infra/local/stack.sh env)"

adflow() { bash infra/local/pnpm.sh --silent --filter @adflow/cli run adflow "$@"; }
adflow migrate

# Each service runs as its own node process (not under pnpm, which would exit on a signal before
# its child does), so the pids below are the services themselves and `stop` can wait for them.
# The processor's garbage is short-lived but outlives a small young generation: 64 MB semi-spaces
# (V8's default is 16) cut its CPU per event by 2–5% (docs/benchmarks.md, the fifth session).
run_service() {
  local name=$1
  shift
  (cd "services/$name" && exec node "$@" --import tsx src/main.ts) &
  pids+=($!)
}
[ -f services/processor/src/main.ts ] && run_service processor --max-semi-space-size=64
run_service api

port=${ADFLOW_PORT:-8080}
deadline=$((SECONDS + 60))
until curl -fsS --max-time 2 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "start: a service exited during start-up" >&2; exit 1; }; done
  [ $SECONDS -ge $deadline ] && { echo "start: the API did not answer on :$port within 60s" >&2; exit 1; }
  sleep 0.3
done
adflow seed
echo "start: adflow is up on http://127.0.0.1:$port (docs at /docs); Ctrl-C stops everything"
wait -n "${pids[@]}" || true
echo "start: a service exited" >&2
