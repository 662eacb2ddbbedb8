#!/usr/bin/env bash
# HTTP benchmark: ContextHub against three baselines, one stateless MCP tools/call (`echo`) per request, with wrk.
#
#   contexthub  src/ContextHub.Server (this repository) with its defaults: every tool call recorded, model loaded on first use
#   contexthub-norec  the same server with ContextHub:Knowledge:RecordToolCalls=false
#   contexthub-r2r  the same server published framework-dependent with ReadyToRun (precompiled code), into
#               artifacts/publish/contexthub-readytorun: for comparison only; deploy/Dockerfile, `dotnet run` and
#               `dotnet build` do not precompile (the contexthub row is that build)
#   sdk         bench/Baselines/SdkServer   the official C# SDK (ModelContextProtocol.AspNetCore), Stateless = true
#   bare        bench/Baselines/BareServer  bare Kestrel minimal API + source-generated System.Text.Json: the ceiling
#   ts          bench/Baselines/ts-server   the official TypeScript SDK, stateless, JSON responses
#   contexthub-nometrics  the same ContextHub with ContextHub:Observability:Metrics:Enabled=false (the cost of metrics:
#               SERVERS="contexthub contexthub-nometrics")
#
# All servers are started once, on their own loopback ports, and warmed up. Then each round loads them one at a
# time (never two at once), alternating the order from round to round; the table reports per server the median
# over the rounds. Resident memory (VmRSS) is read from /proc right after each load.
#
# Environment (all optional):
#   DURATION=15s  CONNECTIONS=32  THREADS=1  WARMUP=5s  ROUNDS=3  TIMEOUT=5s
#   SERVERS="contexthub contexthub-norec sdk bare ts"   which servers, in round-1 order
#   BASE_PORT=5911                     contexthub, sdk, bare, ts, contexthub-nometrics, contexthub-norec, contexthub-base, contexthub-r2r listen on BASE_PORT+0..7 (127.0.0.1 only)
#   NO_BUILD=1                         skip dotnet build / npm ci (use what artifacts/ and node_modules hold)
#   CONTEXTHUB_ARGS="--ContextHub:Knowledge:ToolCallRecording:FlushInterval=00:00:01"   extra settings for every ContextHub row
#   BASE_DLL=/path/to/contexthub.dll BASE_LABEL=390e65e   the contexthub-base row: another build (e.g. before a change), side by side
#
# Output: a markdown table on stdout, also written to bench/results/http-<timestamp>.md (git-ignored), and the raw
# wrk output of every run under bench/results/http-<timestamp>/.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
cd "$root"

duration="${DURATION:-15s}"
connections="${CONNECTIONS:-32}"
threads="${THREADS:-1}"
warmup="${WARMUP:-5s}"
rounds="${ROUNDS:-3}"
timeout="${TIMEOUT:-5s}"
base_port="${BASE_PORT:-5911}"
read -r -a servers <<< "${SERVERS:-contexthub contexthub-norec sdk bare ts}"
published_dir="$root/artifacts/publish/contexthub-readytorun"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
results_dir="$bench/results"
raw_dir="$results_dir/http-$stamp"
report="$results_dir/http-$stamp.md"
mkdir -p "$raw_dir"
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"   # before our own builds, which raise it

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'run-http.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# Servers: port, start command, wrk script, smoke-check header. Only processes started here are ever stopped.

port_of() {
  case "$1" in
    contexthub) echo $((base_port + 0)) ;;
    sdk) echo $((base_port + 1)) ;;
    bare) echo $((base_port + 2)) ;;
    ts) echo $((base_port + 3)) ;;
    contexthub-nometrics) echo $((base_port + 4)) ;;
    contexthub-norec) echo $((base_port + 5)) ;;
    contexthub-base) echo $((base_port + 6)) ;;
    contexthub-r2r) echo $((base_port + 7)) ;;
    *) die "unknown server '$1' (known: contexthub contexthub-norec contexthub-nometrics contexthub-base contexthub-r2r sdk bare ts)" ;;
  esac
}

# The TypeScript SDK (1.32.2) knows revisions up to 2025-11-25; see bench/http/echo-ts.lua.
script_of() { if [ "$1" = ts ]; then echo "$bench/http/echo-ts.lua"; else echo "$bench/http/echo.lua"; fi; }
version_of() { if [ "$1" = ts ]; then echo 2025-11-25; else echo 2026-07-28; fi; }

label_of() {
  case "$1" in
    contexthub) echo "ContextHub, defaults (every call recorded)" ;;
    contexthub-norec) echo "ContextHub, RecordToolCalls=false" ;;
    sdk) echo "C# SDK 2.4.0 (stateless)" ;;
    bare) echo "bare Kestrel (ceiling)" ;;
    ts) echo "TS SDK 1.32.2 (stateless)" ;;
    contexthub-nometrics) echo "ContextHub, metrics off" ;;
    contexthub-base) echo "ContextHub at ${BASE_LABEL:-another build} (BASE_DLL)${CONTEXTHUB_ARGS:+, $CONTEXTHUB_ARGS}" ;;
    contexthub-r2r) echo "ContextHub, defaults, ReadyToRun publish" ;;
  esac
}

start_server() {
  local name="$1" port
  port="$(port_of "$name")"
  local url="http://127.0.0.1:$port"
  local logfile="$raw_dir/$name.server.log"
  local -a cmd
  case "$name" in
    contexthub) cmd=(dotnet artifacts/bin/ContextHub.Server/release/contexthub.dll --urls "$url"
                     --Logging:LogLevel:Default=Warning --Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning
                     "--ContextHub:Knowledge:DataFolder=$raw_dir/knowledge" ${CONTEXTHUB_ARGS:-}) ;;
    contexthub-nometrics) cmd=(dotnet artifacts/bin/ContextHub.Server/release/contexthub.dll --urls "$url"
                     --Logging:LogLevel:Default=Warning --Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning
                     "--ContextHub:Knowledge:DataFolder=$raw_dir/knowledge-nometrics" --ContextHub:Observability:Metrics:Enabled=false
                     ${CONTEXTHUB_ARGS:-}) ;;
    contexthub-norec) cmd=(dotnet artifacts/bin/ContextHub.Server/release/contexthub.dll --urls "$url"
                     --Logging:LogLevel:Default=Warning --Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning
                     "--ContextHub:Knowledge:DataFolder=$raw_dir/knowledge-norec" --ContextHub:Knowledge:RecordToolCalls=false ${CONTEXTHUB_ARGS:-}) ;;
    contexthub-base)
      [ -n "${BASE_DLL:-}" ] || die "contexthub-base needs BASE_DLL: the contexthub.dll of the build to compare with"
      cmd=(dotnet "$BASE_DLL" --urls "$url"
                     --Logging:LogLevel:Default=Warning --Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning
                     "--ContextHub:Knowledge:DataFolder=$raw_dir/knowledge-base" ${CONTEXTHUB_ARGS:-}) ;;
    contexthub-r2r) cmd=(dotnet "$published_dir/contexthub.dll" --urls "$url"
                     --Logging:LogLevel:Default=Warning --Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning
                     "--ContextHub:Knowledge:DataFolder=$raw_dir/knowledge-r2r" ${CONTEXTHUB_ARGS:-}) ;;
    sdk) cmd=(dotnet artifacts/bin/SdkServer/release/bench-sdk-server.dll --urls "$url" --Logging:LogLevel:Default=Warning) ;;
    bare) cmd=(dotnet artifacts/bin/BareServer/release/bench-bare-server.dll --urls "$url" --Logging:LogLevel:Default=Warning) ;;
    ts) cmd=(node "$bench/Baselines/ts-server/server.mjs" --host 127.0.0.1 --port "$port") ;;
  esac
  # The server process itself is the background job, so $! is its pid (dotnet and node do not fork).
  "${cmd[@]}" > "$logfile" 2>&1 < /dev/null &
  pids[$name]=$!
}

declare -A pids=()

stop_servers() {
  local name pid
  for name in "${!pids[@]}"; do
    pid="${pids[$name]}"
    kill -TERM "$pid" 2>/dev/null || true
  done
  for name in "${!pids[@]}"; do
    pid="${pids[$name]}"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One request with curl, the same body and headers the wrk script sends; prints the response body.
smoke() {
  local name="$1"
  curl -sS --max-time 5 "http://127.0.0.1:$(port_of "$name")/mcp" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'Mcp-Method: tools/call' -H 'Mcp-Name: echo' -H "MCP-Protocol-Version: $(version_of "$name")" \
    --data-binary "@$bench/http/echo-request.json"
}

wait_ready() {
  local name="$1" reply=""
  for _ in $(seq 1 150); do
    kill -0 "${pids[$name]}" 2>/dev/null || die "$name exited during start-up; see $raw_dir/$name.server.log"
    if reply="$(smoke "$name" 2>/dev/null)" && [[ "$reply" == *'"echo: hello"'* ]]; then
      return 0
    fi
    sleep 0.2
  done
  die "$name did not answer the echo call within 30 s; last reply: ${reply:-<none>}"
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# wrk's latency figures ("635.91us", "1.22ms", "1.01s") in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
    printf "%.3f", n }'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END {
  if (NR == 0) { print "nan"; exit }
  if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ---------------------------------------------------------------------------------------------------------------
# Tools and builds

if ! command -v wrk > /dev/null; then
  log "installing wrk"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -qq wrk > /dev/null; then
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq wrk > /dev/null
  fi
fi
command -v curl > /dev/null || die "curl is needed"

needs_node=0
for s in "${servers[@]}"; do port_of "$s" > /dev/null; [ "$s" = ts ] && needs_node=1; done
if [ "$needs_node" = 1 ]; then
  command -v node > /dev/null || die "node (20 or later) is needed for the ts baseline; or leave it out: SERVERS=\"contexthub sdk bare\""
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$node_major" -ge 20 ] || die "node $node_major found; the ts baseline needs 20 or later"
fi

if [ "${NO_BUILD:-0}" != 1 ]; then
  for s in "${servers[@]}"; do
    case "$s" in
      contexthub) project=src/ContextHub.Server ;;
      contexthub-norec|contexthub-nometrics) [[ " ${servers[*]} " == *" contexthub "* ]] && continue; project=src/ContextHub.Server ;;
      contexthub-r2r)
          log "dotnet publish -c Release --os linux --self-contained false -p:PublishReadyToRun=true src/ContextHub.Server"
          dotnet publish src/ContextHub.Server -c Release --os linux --self-contained false -p:PublishReadyToRun=true \
            -o "$published_dir" --nologo -v quiet -clp:ErrorsOnly > "$raw_dir/build-$s.log" 2>&1 \
            || { cat "$raw_dir/build-$s.log" >&2; die "publish of src/ContextHub.Server failed"; }
          continue ;;
      contexthub-base) continue ;;   # BASE_DLL is built elsewhere
      sdk) project=bench/Baselines/SdkServer ;;
      bare) project=bench/Baselines/BareServer ;;
      ts) log "npm ci (bench/Baselines/ts-server)"
          (cd "$bench/Baselines/ts-server" && npm ci --no-audit --no-fund --loglevel=error > /dev/null)
          continue ;;
    esac
    log "dotnet build -c Release $project"
    dotnet build "$project" -c Release --nologo -v quiet -clp:ErrorsOnly > "$raw_dir/build-$s.log" 2>&1 \
      || { cat "$raw_dir/build-$s.log" >&2; die "build of $project failed"; }
  done
fi

# ---------------------------------------------------------------------------------------------------------------
# Start, check and warm up every server

for s in "${servers[@]}"; do
  port="$(port_of "$s")"
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    die "port $port (for $s) is already in use; pick another BASE_PORT"
  fi
done

declare -A rss_start=()
for s in "${servers[@]}"; do
  log "starting $s on 127.0.0.1:$(port_of "$s")"
  start_server "$s"
  wait_ready "$s"
  sleep 1
  rss_start[$s]="$(rss_kb "${pids[$s]}")"
done

for s in "${servers[@]}"; do
  log "warm-up $s ($warmup)"
  wrk -t"$threads" -c"$connections" -d"$warmup" --timeout "$timeout" -s "$(script_of "$s")" \
    "http://127.0.0.1:$(port_of "$s")/mcp" > "$raw_dir/$s.warmup.txt" 2>&1 \
    || die "wrk failed warming up $s; see $raw_dir/$s.warmup.txt"
done

# ---------------------------------------------------------------------------------------------------------------
# Rounds

declare -A rps=() p50=() p99=() rss=() hwm=() errors=()
for s in "${servers[@]}"; do rps[$s]=""; p50[$s]=""; p99[$s]=""; rss[$s]=0; errors[$s]=0; done

for round in $(seq 1 "$rounds"); do
  order=("${servers[@]}")
  if [ $((round % 2)) -eq 0 ]; then
    order=()
    for ((i = ${#servers[@]} - 1; i >= 0; i--)); do order+=("${servers[$i]}"); done
  fi
  for s in "${order[@]}"; do
    out="$raw_dir/$s.round$round.txt"
    log "round $round/$rounds: $s (wrk -t$threads -c$connections -d$duration)"
    wrk -t"$threads" -c"$connections" -d"$duration" --timeout "$timeout" --latency -s "$(script_of "$s")" \
      "http://127.0.0.1:$(port_of "$s")/mcp" > "$out" 2>&1 || die "wrk failed against $s; see $out"
    kill -0 "${pids[$s]}" 2>/dev/null || die "$s died during round $round; see $raw_dir/$s.server.log"
    rss[$s]="$(rss_kb "${pids[$s]}")"
    hwm[$s]="$(hwm_kb "${pids[$s]}")"

    r="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
    [ -n "$r" ] || die "no Requests/sec in $out"
    rps[$s]+=" $r"
    p50[$s]+=" $(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")"
    p99[$s]+=" $(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
    socket="$(awk '/Socket errors:/ { gsub(/[^0-9]+/, " "); n = split($0, f, " "); for (i = 1; i <= n; i++) t += f[i]; print t }' "$out")"
    errors[$s]=$((${errors[$s]} + ${non2xx:-0} + ${socket:-0}))
    printf '   %-10s %10s req/s  p50 %8s ms  p99 %8s ms  RSS %6d MB  errors %s\n' "$s" "$r" \
      "${p50[$s]##* }" "${p99[$s]##* }" $((${rss[$s]} / 1024)) $((${non2xx:-0} + ${socket:-0})) >&2
  done
done

# ---------------------------------------------------------------------------------------------------------------
# The record: every call the recording server answered is a row once it has stopped (it writes what is queued on
# stop). wrk counts only the requests it saw answered, so the record may hold up to CONNECTIONS more per run.

records_line=""
if [ -n "${pids[contexthub]:-}" ]; then
  sent=1   # the smoke call
  for f in "$raw_dir"/contexthub.warmup.txt "$raw_dir"/contexthub.round*.txt; do
    n="$(awk '/requests in/ { print $1 }' "$f")"; sent=$((sent + ${n:-0}))
  done
  pid="${pids[contexthub]}"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  wait "$pid" 2>/dev/null || true
  unset 'pids[contexthub]'
  db="$raw_dir/knowledge/knowledge.db"
  if command -v sqlite3 > /dev/null && [ -f "$db" ]; then
    recorded="$(sqlite3 "$db" 'SELECT coalesce(SUM(count), 0) FROM tool_call_blocks;')"
    dropped="$(grep -o '[0-9]* since start' "$raw_dir/contexthub.server.log" | tail -1 | cut -d' ' -f1 || true)"
    records_line="Tool-call records after the run (server stopped, then \`SELECT SUM(count) FROM tool_call_blocks\`): $recorded; calls wrk counted as answered, plus the smoke call: $sent; drops logged: ${dropped:-none}."
    if [ "$recorded" -lt "$sent" ] && [ "$sent" -gt 1000000 ]; then
      records_line="$records_line Fewer records than calls is the default retention at work, not a loss: it keeps the newest ContextHub:Knowledge:ToolCallRetention:MaxCount (1,000,000) and runs every minute while the server runs."
    fi
  fi
fi

# ---------------------------------------------------------------------------------------------------------------
# Report

declare -A med_rps=() med_p50=() med_p99=()
for s in "${servers[@]}"; do
  med_rps[$s]="$(echo "${rps[$s]}" | median)"
  med_p50[$s]="$(echo "${p50[$s]}" | median)"
  med_p99[$s]="$(echo "${p99[$s]}" | median)"
done

ratio() { # ratio A B -> A/B with two decimals, or "–" when B is missing
  if [ -n "${2:-}" ]; then awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "–" }'; else echo "–"; fi
}

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo " (uncommitted changes)" || true)"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)"

{
  echo "# HTTP benchmark: stateless MCP tools/call (echo)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $commit$dirty"
  echo "- machine: $(nproc) cores ($cpu), $(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; wrk and the server share the cores; load average (1/5/15 min) when the script started: $load_at_start"
  echo "- .NET $(dotnet --version 2>/dev/null || echo '?'), node $(node --version 2>/dev/null || echo '-'), $(wrk -v 2>&1 | head -1 | awk '{ print $1, $2 }')"
  echo "- load: \`wrk -t$threads -c$connections -d$duration --latency\`, $rounds round(s), order alternating; warm-up $warmup per server; servers loaded one at a time"
  echo "- ContextHub settings: defaults (knowledge store on, every tool call recorded, embedding model loaded on first use)${CONTEXTHUB_ARGS:+, plus $CONTEXTHUB_ARGS}; the RecordToolCalls=false row differs only in that setting"
  echo "- request: POST /mcp, body \`bench/http/echo-request.json\` (2026-07-28 \`_meta\` with protocolVersion and clientCapabilities), headers Mcp-Method/Mcp-Name; MCP-Protocol-Version 2026-07-28 (TS SDK: 2025-11-25, see \`bench/http/echo-ts.lua\`)"
  echo "- medians over the rounds; RSS read from /proc/PID/status one second after the first answer (start) and right after the last load"
  echo
  echo "| server | req/s (median) | p50 ms | p99 ms | RSS at start MB | RSS MB | peak RSS MB | errors | req/s vs C# SDK | req/s vs bare |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for s in "${servers[@]}"; do
    printf '| %s | %.0f | %.2f | %.2f | %d | %d | %d | %d | %s | %s |\n' "$(label_of "$s")" "${med_rps[$s]}" "${med_p50[$s]}" \
      "${med_p99[$s]}" $((${rss_start[$s]} / 1024)) $((${rss[$s]} / 1024)) $((${hwm[$s]:-0} / 1024)) "${errors[$s]}" \
      "$(ratio "${med_rps[$s]}" "${med_rps[sdk]:-}")" "$(ratio "${med_rps[$s]}" "${med_rps[bare]:-}")"
  done
  if [ -n "${med_rps[contexthub]:-}" ] && [ -n "${med_rps[contexthub-norec]:-}" ]; then
    echo
    echo "Recording on vs off (same run): throughput $(ratio "${med_rps[contexthub]}" "${med_rps[contexthub-norec]}"), p99 $(ratio "${med_p99[contexthub]}" "${med_p99[contexthub-norec]}")."
  fi
  [ -z "$records_line" ] || { echo; echo "$records_line"; }
  echo
  echo "Per-round req/s:"
  echo
  for s in "${servers[@]}"; do echo "- $(label_of "$s"):${rps[$s]}"; done
  echo
  echo "Raw wrk output: \`bench/results/http-$stamp/\`."
} | tee "$report"

log "written $report"
