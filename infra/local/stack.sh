#!/usr/bin/env bash
# The local stack: the real servers from Debian's packages, run as plain processes.
#
#   stack.sh up|down|status|reset [--name NAME]
#
# NAME picks an instance (default "dev"); "test" is the instance `npm test` uses, on ports
# 100 above dev's, so both can run side by side. Everything an instance writes lives under
# .stack/NAME/ (git-ignored): data, logs, configs and pid files. `down` stops exactly the
# processes whose pids `up` recorded; `reset` stops them and deletes the instance's data.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cmd=${1:-}
shift || true
name=${ADFLOW_STACK_NAME:-dev}
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --name=*) name=${1#--name=}; shift ;;
    *) echo "stack: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case "$name" in dev) offset=0 ;; test) offset=100 ;; *) offset=${ADFLOW_STACK_PORT_OFFSET:?"stack: instance '$name' needs ADFLOW_STACK_PORT_OFFSET"} ;; esac

dir=${ADFLOW_STACK_DIR:-$repo/.stack/$name}
nats_port=$((14222 + offset)); nats_monitor=$((18222 + offset))
redis_port=$((16379 + offset))
pg_port=$((15432 + offset))
ch_http=$((18123 + offset)); ch_tcp=$((19000 + offset)); ch_inter=$((19009 + offset))
start_timeout=${ADFLOW_STACK_START_TIMEOUT:-60}

log() { printf 'stack[%s]: %s\n' "$name" "$*" >&2; }
die() {
  log "$*"
  # A failure part-way through `up` leaves nothing running.
  if [ "${starting:-0}" = 1 ]; then starting=0; stop_all; fi
  exit 1
}

as_root() { [ "$(id -u)" = 0 ]; }

# Packages this runner needs, by the command that proves each is there.
ensure_packages() {
  local missing=()
  command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v redis-cli >/dev/null || missing+=(redis-tools)
  [ -x "$(pg_bindir)/postgres" ] || missing+=(postgresql-15)
  command -v clickhouse-server >/dev/null || [ -x /usr/sbin/clickhouse-server ] || missing+=(clickhouse-server)
  command -v curl >/dev/null || missing+=(curl)
  # Not a server: infra/test validates docker-compose.yml with `docker-compose config` (no engine).
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  [ ${#missing[@]} -eq 0 ] && return 0
  as_root || die "missing packages: ${missing[*]} (install them with apt-get, or run as root)"
  log "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's maintainer scripts must not start system-wide copies of these servers.
  local policy=/usr/sbin/policy-rc.d created_policy=
  if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' >$policy; chmod +x $policy; created_policy=1; fi
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >"$dir/apt.log" 2>&1 || { tail -n 30 "$dir/apt.log" >&2; [ -n "$created_policy" ] && rm -f $policy; die "apt-get failed"; }
  [ -n "$created_policy" ] && rm -f $policy
  return 0
}

pg_bindir() { echo "${ADFLOW_PG_BINDIR:-/usr/lib/postgresql/15/bin}"; }
nats_bin() { command -v nats-server || echo /usr/sbin/nats-server; }
ch_bin() { command -v clickhouse-server || echo /usr/sbin/clickhouse-server; }

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
read_pid() { [ -f "$dir/$1.pid" ] && head -n 1 "$dir/$1.pid" || true; }
pg_pid() { [ -f "$(pg_data)/postmaster.pid" ] && head -n 1 "$(pg_data)/postmaster.pid" || true; }

# PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user (created
# by Debian's package). Its data must then live where that user can reach it; a checkout under
# a private home directory is not, so fall back to a folder in /var/tmp.
pg_data() {
  if [ -f "$dir/pg.location" ]; then cat "$dir/pg.location"; else echo "$dir/pg"; fi
}
as_pg() {
  if as_root; then runuser -u postgres -- "$@"; else "$@"; fi
}
choose_pg_location() {
  [ -f "$dir/pg.location" ] && return 0
  local target="$dir/pg"
  if as_root && ! runuser -u postgres -- test -x "$dir"; then
    target="/var/tmp/adflow-pg-$(printf '%s' "$dir" | sha1sum | cut -c1-12)"
    log "postgres cannot reach $dir; its data goes to $target"
  fi
  echo "$target" >"$dir/pg.location"
}

log_tail() {
  local file=$1
  echo "---- last lines of $file ----" >&2
  tail -n 25 "$file" >&2 2>/dev/null || echo "(no log)" >&2
  echo "----" >&2
}

# Waits until CHECK succeeds; fails fast, with the server's log, if the process dies or time runs out.
wait_ready() {
  local server=$1 pid_fn=$2 logfile=$3 check=$4 deadline=$((SECONDS + start_timeout))
  while true; do
    if ! pid_alive "$($pid_fn)"; then log_tail "$logfile"; die "$server exited during start-up"; fi
    # Each probe is bounded: something else holding the port could accept and never answer.
    if timeout 3 bash -c "$check" >/dev/null 2>&1; then log "$server ready"; return 0; fi
    [ $SECONDS -ge $deadline ] && { log_tail "$logfile"; die "$server did not answer within ${start_timeout}s"; }
    sleep 0.2
  done
}

start_nats() {
  pid_alive "$(read_pid nats)" && { log "nats already running"; return 0; }
  mkdir -p "$dir/nats"
  setsid "$(nats_bin)" -js -sd "$dir/nats" -a 127.0.0.1 -p "$nats_port" -m "$nats_monitor" \
    -n "adflow-$name" -l "$dir/nats.log" </dev/null >>"$dir/nats.log" 2>&1 &
  echo $! >"$dir/nats.pid"
  wait_ready nats "read_pid nats" "$dir/nats.log" \
    "curl -fsS 'http://127.0.0.1:$nats_monitor/healthz?js-enabled-only=true'"
}

start_redis() {
  pid_alive "$(read_pid redis)" && { log "redis already running"; return 0; }
  mkdir -p "$dir/redis"
  setsid redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir/redis" \
    --appendonly yes --appendfsync everysec --save "" --daemonize no \
    --logfile "$dir/redis.log" </dev/null >>"$dir/redis.log" 2>&1 &
  echo $! >"$dir/redis.pid"
  wait_ready redis "read_pid redis" "$dir/redis.log" "redis-cli -p $redis_port ping | grep -q PONG"
}

start_postgres() {
  local data bindir
  bindir=$(pg_bindir)
  choose_pg_location
  data=$(pg_data)
  pid_alive "$(pg_pid)" && { log "postgres already running"; return 0; }
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    as_root && chown postgres: "$data"
    chmod 700 "$data"
    as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { log_tail "$dir/initdb.log"; die "initdb failed"; }
  fi
  local durability=""
  # The test instance trades crash safety for speed; its data is thrown away anyway.
  [ "$name" = test ] && durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  touch "$dir/postgres.log"
  as_root && chown postgres: "$dir/postgres.log"
  as_pg "$bindir/pg_ctl" -D "$data" -l "$dir/postgres.log" -W start \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $data -c max_connections=300 $durability" \
    >/dev/null 2>&1 || { log_tail "$dir/postgres.log"; die "pg_ctl start failed"; }
  local deadline=$((SECONDS + 10))
  while [ -z "$(pg_pid)" ] && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  wait_ready postgres pg_pid "$dir/postgres.log" "$bindir/pg_isready -q -h 127.0.0.1 -p $pg_port"
}

write_clickhouse_config() {
  mkdir -p "$dir/clickhouse/data" "$dir/clickhouse/tmp" "$dir/clickhouse/user_files" "$dir/clickhouse/format_schemas"
  cat >"$dir/clickhouse/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$dir/clickhouse.log</log>
    <errorlog>$dir/clickhouse.err.log</errorlog>
    <size>100M</size>
    <count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$ch_http</http_port>
  <tcp_port>$ch_tcp</tcp_port>
  <interserver_http_port>$ch_inter</interserver_http_port>
  <path>$dir/clickhouse/data/</path>
  <tmp_path>$dir/clickhouse/tmp/</tmp_path>
  <user_files_path>$dir/clickhouse/user_files/</user_files_path>
  <format_schema_path>$dir/clickhouse/format_schemas/</format_schema_path>
  <users_config>$dir/clickhouse/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <max_concurrent_queries>200</max_concurrent_queries>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_table_size_to_drop>0</max_table_size_to_drop>
</yandex>
XML
  cat >"$dir/clickhouse/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
}

start_clickhouse() {
  pid_alive "$(read_pid clickhouse)" && { log "clickhouse already running"; return 0; }
  write_clickhouse_config
  # Started from its own folder: ClickHouse 18.16 writes a status file to the working directory.
  pushd "$dir/clickhouse" >/dev/null
  setsid "$(ch_bin)" --config-file="$dir/clickhouse/config.xml" </dev/null >>"$dir/clickhouse.out" 2>&1 &
  echo $! >"$dir/clickhouse.pid"
  popd >/dev/null
  touch "$dir/clickhouse.err.log"
  wait_ready clickhouse "read_pid clickhouse" "$dir/clickhouse.err.log" \
    "curl -fsS 'http://127.0.0.1:$ch_http/ping'"
}

# Stops one process by the pid we recorded: TERM, then KILL if it lingers.
stop_pid() {
  local server=$1 pid=$2 deadline
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 20))
  while pid_alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  if pid_alive "$pid"; then log "$server did not stop in time; killing $pid"; kill -KILL "$pid" 2>/dev/null || true; fi
  log "$server stopped"
}

stop_all() {
  [ -d "$dir" ] || return 0
  stop_pid clickhouse "$(read_pid clickhouse)"
  local pgpid
  pgpid=$(pg_pid)
  if pid_alive "$pgpid"; then
    as_pg "$(pg_bindir)/pg_ctl" -D "$(pg_data)" -m fast -w stop >/dev/null 2>&1 || stop_pid postgres "$pgpid"
    log "postgres stopped"
  fi
  stop_pid redis "$(read_pid redis)"
  stop_pid nats "$(read_pid nats)"
  rm -f "$dir"/{nats,redis,clickhouse}.pid
}

status() {
  local up=0
  report() {
    if pid_alive "$2"; then printf '%-11s up    pid %-7s %s\n' "$1" "$2" "$3"; up=$((up + 1))
    else printf '%-11s down\n' "$1"; fi
  }
  report nats "$(read_pid nats)" "nats://127.0.0.1:$nats_port (monitor :$nats_monitor)"
  report redis "$(read_pid redis)" "redis://127.0.0.1:$redis_port"
  report postgres "$( [ -d "$dir" ] && pg_pid)" "postgres://postgres@127.0.0.1:$pg_port/postgres"
  report clickhouse "$(read_pid clickhouse)" "http://127.0.0.1:$ch_http"
  [ $up = 4 ]
}

# The environment variables the services and tests read; `eval "$(stack.sh env)"` loads them.
print_env() {
  cat <<ENV
export ADFLOW_NATS_URL=nats://127.0.0.1:$nats_port
export ADFLOW_REDIS_URL=redis://127.0.0.1:$redis_port
export ADFLOW_PG_URL=postgres://postgres@127.0.0.1:$pg_port/postgres
export ADFLOW_CLICKHOUSE_URL=http://127.0.0.1:$ch_http
ENV
}

case "$cmd" in
  up)
    mkdir -p "$dir"
    ensure_packages
    starting=1
    start_nats; start_redis; start_postgres; start_clickhouse
    starting=0
    log "up; data and logs in $dir"
    ;;
  down) stop_all ;;
  # Exits 0 only when all four servers are up.
  status) status ;;
  reset)
    stop_all
    [ -f "$dir/pg.location" ] && rm -rf "$(cat "$dir/pg.location")"
    rm -rf "$dir"
    log "reset: data removed"
    ;;
  env) print_env ;;
  *) echo "usage: stack.sh up|down|status|reset|env [--name NAME]" >&2; exit 2 ;;
esac
