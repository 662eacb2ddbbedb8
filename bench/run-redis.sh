#!/usr/bin/env bash
# Scale-out benchmark: what Redis-backed sessions and a load balancer cost, side by side in one run.
#
#   in-process   one replica, sessions in its memory (no Redis)
#   redis        one replica, sessions on Redis, loaded directly
#   lb1          one Redis replica behind haproxy (the hop alone)
#   2 via lb     two Redis replicas behind haproxy (round robin, no affinity)
#
# Besides req/s and latency, each target gets the CPU time per request of haproxy and of the replicas (from
# /proc/PID/stat over the timed run): a figure that survives a loaded machine better than throughput.
#
# 1. Session-based tools/call of `echo` (2025-11-25, one session per target) with wrk; rounds alternate the order,
#    the table gives per target the median over the rounds.
# 2. redis-benchmark against the same redis-server (PING, SET, GET, PUBLISH), for the floor of one Redis round trip.
# 3. Fan-out (bench/ContextHub.FanOut): 1, 10, 100 clients hold GET streams subscribed to test://watched-resource;
#    the sample tool touch_resource announces a change through another replica (or the same one, or the in-process
#    server, for comparison). FANOUT_CHANGE=ingest re-ingests a knowledge document instead (a write in every sample).
#
# Each fan-out row is 200 sampled rounds (FANOUT_ROUNDS) after unsampled warm-up rounds (FANOUT_WARMUP=50 per subscriber
# count, three times that before the first count, so hot methods are compiled at full optimization before sampling);
# the table gives the number of samples (rounds × subscribers) behind each percentile.
# BASE_DLL=path/to/another/contexthub.dll also starts that build's servers (in-process, and a Redis pair under its own key
# prefix on the same Redis) and runs every fan-out row for both builds, alternating FANOUT_REPEAT times (default 1),
# for a before/after comparison in one run; BASE_ENV="NAME=value ..." sets environment variables for the base servers only
# (BASE_DLL may be this build: BASE_ENV="DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0" compares a runtime setting).
# Each fan-out table also gives the CPU time per sampled round of its servers, of redis-server and of the client. FANOUT_TRACE=1 adds a second pass per setup with the client attached to the
# servers over EventPipe: every sample split into hops, with GC pauses and thread-pool starvation (a traced pass is
# perturbed by the tracing; read its hop split, not its totals). FANOUT_ONLY=1 skips the wrk and redis-benchmark sections
# except redis-benchmark's PUBLISH row.
#
# Environment (all optional): DURATION=10s CONNECTIONS=16 ROUNDS=3 FANOUT_ROUNDS=200 FANOUT_WARMUP=50 FANOUT_CHANGE=touch BASE_PORT=5931 NO_BUILD=1
# SPIN_LIMIT=N sets DOTNET_ThreadPool_UnfairSemaphoreSpinLimit for the servers (0: idle pool threads sleep at once instead
# of spinning, which on a small shared machine is CPU taken from the other processes).
# Output: markdown on stdout, also written to bench/results/redis-<timestamp>.md (git-ignored).
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
cd "$root"

duration="${DURATION:-10s}"
connections="${CONNECTIONS:-16}"
rounds="${ROUNDS:-3}"
fanout_rounds="${FANOUT_ROUNDS:-200}"
fanout_warmup="${FANOUT_WARMUP:-50}"
fanout_repeat="${FANOUT_REPEAT:-1}"
base_dll="${BASE_DLL:-}"
fanout_change="${FANOUT_CHANGE:-touch}"
base="${BASE_PORT:-5931}"
redis_port=$base inproc_port=$((base + 1)) r1_port=$((base + 2)) r2_port=$((base + 3)) lb_port=$((base + 4)) lb1_port=$((base + 5))
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$bench/results"
report="$bench/results/redis-$stamp.md"
work="$(mktemp -d)"
dll="artifacts/bin/ContextHub.Server/release/contexthub.dll"
fanout="artifacts/bin/ContextHub.FanOut/release/ContextHub.FanOut.dll"

log() { printf '== %s\n' "$*" >&2; }

if [ -z "${NO_BUILD:-}" ]; then
  log "building"
  dotnet build src/ContextHub.Server -c Release -v q >/dev/null
  dotnet build bench/ContextHub.FanOut -c Release -v q >/dev/null
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/haproxy.pid" ] && kill "$(cat "$work/haproxy.pid")" 2>/dev/null || true
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "$work/redis.pid" \
  --dir "$work" --logfile "$work/redis.log"

declare -A pid_of
start_server() { # name port data-folder extra-settings...
  local name="$1" port="$2" data="$3"; shift 3
  local server_dll="$dll" server_env=()
  case "$name" in *-base) server_dll="$base_dll"; read -r -a server_env <<<"${BASE_ENV:-}";; esac
  ${SPIN_LIMIT:+env DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=$SPIN_LIMIT} env "${server_env[@]}" dotnet "$server_dll" --urls "http://127.0.0.1:$port" --ContextHub:Knowledge:DataFolder="$data" \
    --ContextHub:Knowledge:Embeddings:Provider=Hashing --ContextHub:Knowledge:RecordToolCalls=false \
    --ContextHub:Samples:Enabled=true --ContextHub:Samples:Conformance=true --Logging:LogLevel:Default=Warning "$@" >"$work/$name.log" 2>&1 &
  pids+=("$!")
  pid_of[$name]="$!"
  for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "server $name did not start:" >&2; cat "$work/$name.log" >&2; exit 1
}

log "starting servers"
start_server inproc "$inproc_port" "$work/kb-inproc"
start_server r1 "$r1_port" "$work/kb" --ContextHub:Redis:Configuration="127.0.0.1:$redis_port"
start_server r2 "$r2_port" "$work/kb" --ContextHub:Redis:Configuration="127.0.0.1:$redis_port"
if [ -n "$base_dll" ]; then
  inproc_base_port=$((base + 6)) r1_base_port=$((base + 7)) r2_base_port=$((base + 8))
  start_server inproc-base "$inproc_base_port" "$work/kb-inproc-base"
  start_server r1-base "$r1_base_port" "$work/kb-base" --ContextHub:Redis:Configuration="127.0.0.1:$redis_port" --ContextHub:Redis:KeyPrefix=base:
  start_server r2-base "$r2_base_port" "$work/kb-base" --ContextHub:Redis:Configuration="127.0.0.1:$redis_port" --ContextHub:Redis:KeyPrefix=base:
fi
cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 4000
defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  option redispatch 1
frontend mcp
  bind 127.0.0.1:$lb_port
  default_backend replicas
  # Idle connections to the replicas serve any client connection (the default, safe, gives each new client
  # connection's first request a connection of its own).
  http-reuse always
backend replicas
  balance roundrobin
  server r1 127.0.0.1:$r1_port check inter 500ms
  server r2 127.0.0.1:$r2_port check inter 500ms
frontend one
  bind 127.0.0.1:$lb1_port
  default_backend one
backend one
  server r1 127.0.0.1:$r1_port check inter 500ms
CFG
haproxy -D -p "$work/haproxy.pid" -f "$work/haproxy.cfg"
redis_pid="$(cat "$work/redis.pid")"
sleep 1

session_of() { # url
  local sid
  sid="$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' "$1" \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"wrk","version":"1"}}}' \
    | tr -d '\r' | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}')"
  curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' -H "Mcp-Session-Id: $sid" \
    -H 'MCP-Protocol-Version: 2025-11-25' "$1" -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
  echo "$sid"
}

declare -A url=([inproc]="http://127.0.0.1:$inproc_port/mcp" [redis]="http://127.0.0.1:$r1_port/mcp" [lb1]="http://127.0.0.1:$lb1_port/mcp" [lb]="http://127.0.0.1:$lb_port/mcp")
declare -A label=([inproc]="1 replica, in-process sessions" [redis]="1 replica, Redis sessions" [lb1]="1 Redis replica behind haproxy" [lb]="2 Redis replicas behind haproxy")
declare -A sid rps p50 p99 cpu_lb cpu_srv
targets=(inproc redis lb1 lb)
haproxy_pid="$(cat "$work/haproxy.pid")"
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }
hz="$(getconf CLK_TCK)"
servers_of() { case "$1" in inproc) echo "${pid_of[inproc]}";; redis|lb1) echo "${pid_of[r1]}";; lb) echo "${pid_of[r1]} ${pid_of[r2]}";; esac; }
for t in "${targets[@]}"; do sid[$t]="$(session_of "${url[$t]}")"; done

to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; printf "%.2f", v}'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

if [ -z "${FANOUT_ONLY:-}" ]; then
for t in "${targets[@]}"; do
  MCP_SESSION="${sid[$t]}" wrk -t1 -c"$connections" -d3s -s "$bench/http/session-echo.lua" "${url[$t]}" >/dev/null  # warm-up
done
for round in $(seq 1 "$rounds"); do
  order=("${targets[@]}"); [ $((round % 2)) -eq 0 ] && order=(lb lb1 redis inproc)
  for t in "${order[@]}"; do
    log "round $round: $t"
    # shellcheck disable=SC2046
    before_lb="$(ticks "$haproxy_pid")" before_srv="$(ticks $(servers_of "$t"))"
    out="$(MCP_SESSION="${sid[$t]}" wrk -t1 -c"$connections" -d"$duration" --latency -s "$bench/http/session-echo.lua" "${url[$t]}")"
    # shellcheck disable=SC2046
    after_lb="$(ticks "$haproxy_pid")" after_srv="$(ticks $(servers_of "$t"))"
    n="$(echo "$out" | awk '/requests in/{print $1}')"
    cpu_lb[$t]+=" $(awk -v a="$before_lb" -v b="$after_lb" -v n="$n" -v hz="$hz" 'BEGIN{printf "%.1f", (b-a)/hz*1e6/n}')"
    cpu_srv[$t]+=" $(awk -v a="$before_srv" -v b="$after_srv" -v n="$n" -v hz="$hz" 'BEGIN{printf "%.1f", (b-a)/hz*1e6/n}')"
    if echo "$out" | grep -q "Non-2xx"; then echo "$out" >&2; echo "non-2xx answers from $t" >&2; exit 1; fi
    rps[$t]+=" $(echo "$out" | awk '/^Requests\/sec/{print $2}')"
    p50[$t]+=" $(echo "$out" | awk '$1=="50%"{print $2}' | to_ms)"
    p99[$t]+=" $(echo "$out" | awk '$1=="99%"{print $2}' | to_ms)"
  done
done

fi

fanout_table() { # change-via-port listen-on-port cpu-pids [--trace pids]
  dotnet "$fanout" "http://127.0.0.1:$1" "http://127.0.0.1:$2" 1,10,100 "$fanout_rounds" "$fanout_change" "$fanout_warmup" --cpu "$3" "${@:4}"
}
fanout_setups() { # suffix (empty: this build; -base: BASE_DLL)
  local s="$1" build="this build"
  [ -n "$s" ] && build="base build ($base_dll)"
  local inp="inproc_port" p1="r1_port" p2="r2_port"
  [ -n "$s" ] && inp="inproc_base_port" p1="r1_base_port" p2="r2_base_port"
  echo "Across replicas (change via r1, streams on r2), $build:"; echo
  fanout_table "${!p1}" "${!p2}" "${pid_of[r1$s]},${pid_of[r2$s]},$redis_pid"; echo
  echo "Same Redis replica (change and streams on r2), $build:"; echo
  fanout_table "${!p2}" "${!p2}" "${pid_of[r2$s]},$redis_pid"; echo
  echo "In-process server (no Redis), $build:"; echo
  fanout_table "${!inp}" "${!inp}" "${pid_of[inproc$s]}"; echo
}
fanout_traced() { # suffix
  local s="$1" build="this build"
  [ -n "$s" ] && build="base build"
  local inp="inproc_port" p1="r1_port" p2="r2_port"
  [ -n "$s" ] && inp="inproc_base_port" p1="r1_base_port" p2="r2_base_port"
  echo "Traced (EventPipe), across replicas, $build:"; echo
  fanout_table "${!p1}" "${!p2}" "${pid_of[r1$s]},${pid_of[r2$s]},$redis_pid" --trace "${pid_of[r1$s]},${pid_of[r2$s]}"; echo
  echo "Traced (EventPipe), in-process server, $build:"; echo
  fanout_table "${!inp}" "${!inp}" "${pid_of[inproc$s]}" --trace "${pid_of[inproc$s]}"; echo
}

{
  if [ -z "${FANOUT_ONLY:-}" ]; then
  echo "### Session-based tools/call (wrk -t1 -c$connections -d$duration, $rounds rounds, medians)"
  echo
  echo "| target | req/s | p50 ms | p99 ms | vs in-process | haproxy CPU µs/req | replicas CPU µs/req |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  base_rps="$(echo "${rps[inproc]}" | median)"
  for t in "${targets[@]}"; do
    r="$(echo "${rps[$t]}" | median)"
    printf '| %s | %.0f | %s | %s | %.2f× | %s | %s |\n' "${label[$t]}" "$r" "$(echo "${p50[$t]}" | median)" "$(echo "${p99[$t]}" | median)" \
      "$(awk -v a="$r" -v b="$base_rps" 'BEGIN{print a/b}')" "$(echo "${cpu_lb[$t]}" | median)" "$(echo "${cpu_srv[$t]}" | median)"
  done
  echo
  fi
  echo "### redis-benchmark on the same redis-server (-c 16 -n 100000)"
  echo
  echo "| command | req/s | p50 ms | p99 ms |"
  echo "| --- | ---: | ---: | ---: |"
  [ -z "${FANOUT_ONLY:-}" ] && redis-benchmark -p "$redis_port" -c 16 -n 100000 -t ping,set,get --csv | tail -n +2 | tr -d '"' \
    | awk -F, '{printf "| %s | %.0f | %s | %s |\n", $1, $2, $5, $7}'
  redis-benchmark -p "$redis_port" -c 16 -n 100000 --csv PUBLISH bench-channel hello | tail -n +2 | tr -d '"' \
    | awk -F, '{printf "| PUBLISH (no subscriber) | %.0f | %s | %s |\n", $2, $5, $7}'
  echo
  echo "### Fan-out: change ($fanout_change) through one replica, clients on another (ms from sending the change to reading resources/updated)"
  echo
  for pass in $(seq 1 "$fanout_repeat"); do
    [ "$fanout_repeat" -gt 1 ] && { echo "Pass $pass of $fanout_repeat:"; echo; }
    if [ -n "$base_dll" ] && [ $((pass % 2)) -eq 0 ]; then fanout_setups -base; fanout_setups ""
    elif [ -n "$base_dll" ]; then fanout_setups ""; fanout_setups -base
    else fanout_setups ""; fi
  done
  if [ -n "${FANOUT_TRACE:-}" ]; then
    fanout_traced ""
    [ -n "$base_dll" ] && fanout_traced -base
  fi
} | tee "$report"
log "report: $report"
