#!/usr/bin/env bash
# GET /ads under load beside a bare node:http JSON endpoint, in the same run on the same machine.
# Seeds an isolated market (CAMPAIGNS active campaigns, CLIENTS clients, each with ML scores for
# SCORES_PER_CLIENT advertisers, default 0) on the local stack (STACK_NAME, default: the dev
# stack), serves the API on :18080 without request logs and the bare endpoint on :18081, runs
# wrk (CONNECTIONS, THREADS, DURATION) against both, then drops the market. Beside requests/s and latency it prints the CPU per answer of the API, Redis and
# nats-server (all three share the cores). RUNS picks the runs (default "ads healthz bare"; e.g.
# RUNS=ads with API_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles GET /ads alone).
# Usage: bash services/api/bench/ads.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."

command -v wrk >/dev/null || { echo "bench: installing wrk" >&2; apt-get install -y wrk >/dev/null || sudo apt-get install -y wrk >/dev/null; }

eval "$(bash infra/local/stack.sh env ${STACK_NAME:+--name "$STACK_NAME"})"
export BENCH_NAMESPACE="bench_$(date +%s)"
export BENCH_CLIENTS_FILE="/tmp/adflow-${BENCH_NAMESPACE}-clients.txt"
export CAMPAIGNS="${CAMPAIGNS:-1000}" CLIENTS="${CLIENTS:-100000}"
connections="${CONNECTIONS:-64}" threads="${THREADS:-2}" duration="${DURATION:-20s}"
api_port=18080 bare_port=18081
tsx() { bash infra/local/pnpm.sh --silent exec tsx "$@"; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  tsx services/api/bench/market.ts drop >/dev/null 2>&1 || echo "bench: could not drop $BENCH_NAMESPACE" >&2
  rm -f "$BENCH_CLIENTS_FILE"
}
trap cleanup EXIT

tsx services/api/bench/market.ts seed

base_pg="$ADFLOW_PG_URL"
(
  export ADFLOW_PORT=$api_port ADFLOW_HOST=127.0.0.1 ADFLOW_LOG_REQUESTS=false
  export ADFLOW_NATS_PREFIX="$BENCH_NAMESPACE" ADFLOW_REDIS_PREFIX="$BENCH_NAMESPACE:"
  export ADFLOW_CLICKHOUSE_DATABASE="$BENCH_NAMESPACE" ADFLOW_PG_URL="${base_pg%/*}/$BENCH_NAMESPACE"
  cd services/api && exec node ${API_NODE_FLAGS:-} --import tsx src/main.ts
) >/tmp/adflow-bench-api.log 2>&1 &
pids+=($!)
PORT=$bare_port node services/api/bench/bare.mjs &
pids+=($!)

deadline=$((SECONDS + 60))
until curl -fsS --max-time 2 "http://127.0.0.1:$api_port/healthz" >/dev/null 2>&1; do
  [ $SECONDS -ge $deadline ] && { echo "bench: the API did not start; see /tmp/adflow-bench-api.log" >&2; exit 1; }
  sleep 0.3
done
sample=$(head -1 "$BENCH_CLIENTS_FILE")
echo "bench: sample answer: $(curl -sS "http://127.0.0.1:$api_port/ads?client_id=$sample")"

# CPU time (user + system, in clock ticks) a process has used so far.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
api_ticks() { ticks "${pids[0]}"; }
# The stack's Redis and nats-server share the cores with the API: their CPU per answer too.
stack_dir="${ADFLOW_STACK_DIR:-.stack/${STACK_NAME:-${ADFLOW_STACK_NAME:-dev}}}"
server_pid() { cat "$stack_dir/$1.pid" 2>/dev/null || echo 0; }
servers_ticks() { echo "$(ticks "$(server_pid redis)") $(ticks "$(server_pid nats)")"; }
run() {
  local name=$1 url=$2
  shift 2
  wrk -t"$threads" -c"$connections" -d5s "$@" "$url" >/dev/null # warm-up (JIT, caches)
  echo "### $name"
  local before servers_before out requests
  before=$(api_ticks)
  servers_before=$(servers_ticks)
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" "$url")
  echo "$out"
  # The API's own CPU per answer: steadier than requests/s on a machine shared with wrk.
  requests=$(awk '/requests in/ { print $1 }' <<<"$out")
  if [[ $url == *":$api_port"* ]]; then
    awk -v t=$(($(api_ticks) - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
      'BEGIN { printf "API CPU per request: %.0f us (%.1f s of CPU for %d requests)\n", 1e6 * t / hz / n, t / hz, n }'
    if [[ -f $stack_dir/redis.pid && -f $stack_dir/nats.pid ]]; then
      awk -v before="$servers_before" -v after="$(servers_ticks)" -v hz="$(getconf CLK_TCK)" -v n="$requests" \
        'BEGIN { split(before, b); split(after, a)
          printf "servers CPU per request: redis %.0f us, nats-server %.0f us\n", 1e6 * (a[1] - b[1]) / hz / n, 1e6 * (a[2] - b[2]) / hz / n }'
    fi
  fi
}
runs=" ${RUNS:-ads healthz bare} "
[[ $runs == *" ads "* ]] && run "GET /ads (adflow API)" "http://127.0.0.1:$api_port" -s services/api/bench/ads.lua
[[ $runs == *" healthz "* ]] && run "GET /healthz (the same API, no I/O: the framework's own cost)" "http://127.0.0.1:$api_port/healthz"
[[ $runs == *" bare "* ]] && run "bare node:http JSON" "http://127.0.0.1:$bare_port/"
echo "### API answers by status"
curl -sS "http://127.0.0.1:$api_port/metrics" | grep -E '^http_server_request_duration_seconds_count\{http_route="/ads"|^adflow_ads_(served|repeated|refused|further_reads)_total'
