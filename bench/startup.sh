#!/usr/bin/env bash
# Start-up time: how long a built server takes from being started to answering GET /healthz, and its memory then.
#
# Each run starts `dotnet artifacts/bin/ContextHub.Server/release/contexthub.dll` with its defaults (embedded knowledge
# store in a fresh data folder, every tool call recorded, embedding model loaded on first use), polls /healthz with curl
# every 10 ms, notes the time of the first "ok", reads VmRSS one second later, and stops the server by its pid.
#
# Environment (all optional):
#   RUNS=7              runs; the report gives the median, the fastest and the slowest
#   PORT=5951           127.0.0.1 port
#   NO_BUILD=1          skip dotnet build
#   CONTEXTHUB_ARGS=""  extra settings, e.g. "--ContextHub:Knowledge:RecordToolCalls=false"
#   CONTEXTHUB_DLL=artifacts/bin/ContextHub.Server/release/contexthub.dll   the build to start (e.g. a ReadyToRun publish,
#                       artifacts/publish/contexthub-readytorun/contexthub.dll, made by bench/run-http.sh)
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
cd "$root"
runs="${RUNS:-7}"
port="${PORT:-5951}"
work="$(mktemp -d "${TMPDIR:-/tmp}/contexthub-startup.XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ "${NO_BUILD:-0}" != 1 ]; then
  dotnet build src/ContextHub.Server -c Release --nologo -v quiet -clp:ErrorsOnly > /dev/null
fi
if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
  echo "startup.sh: port $port is in use; set PORT" >&2; exit 1
fi

now_ms() { date +%s%3N; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# measure NAME URL_PATH COMMAND...: prints "ms rss_mib" per run on stdout
measure() {
  local name="$1" path="$2"; shift 2
  local i
  for i in $(seq 1 "$runs"); do
    rm -rf "$work/data"
    local started; started="$(now_ms)"
    "$@" > "$work/$name.$i.log" 2>&1 < /dev/null &
    pid=$!
    local answered=""
    for _ in $(seq 1 3000); do
      if [ "$(curl -s --max-time 1 "http://127.0.0.1:$port$path" 2>/dev/null)" = ok ]; then answered="$(now_ms)"; break; fi
      kill -0 "$pid" 2>/dev/null || { echo "startup.sh: $name exited; log:" >&2; cat "$work/$name.$i.log" >&2; exit 1; }
      sleep 0.01
    done
    [ -n "$answered" ] || { echo "startup.sh: $name did not answer within 30 s" >&2; exit 1; }
    sleep 1
    local rss; rss="$(awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$pid/status")"
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    echo "$((answered - started)) $rss"
  done
}

report() {
  local label="$1" file="$2"
  local ms rss
  ms="$(cut -d' ' -f1 "$file" | median)"
  rss="$(cut -d' ' -f2 "$file" | median)"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$ms" "$(cut -d' ' -f1 "$file" | sort -g | head -1)" \
    "$(cut -d' ' -f1 "$file" | sort -g | tail -1)" "$rss" "$(cut -d' ' -f1 "$file" | tr '\n' ' ')"
}

measure contexthub /healthz dotnet "${CONTEXTHUB_DLL:-artifacts/bin/ContextHub.Server/release/contexthub.dll}" --urls "http://127.0.0.1:$port" \
  --Logging:LogLevel:Default=Warning "--ContextHub:Knowledge:DataFolder=$work/data" ${CONTEXTHUB_ARGS:-} > "$work/contexthub.txt"

echo "# Start-up: first answer to GET /healthz after starting the process"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $runs runs, each in a fresh data folder; RSS read 1 s after the first answer; ContextHub settings: defaults${CONTEXTHUB_ARGS:+ plus $CONTEXTHUB_ARGS}"
echo
echo "| server | median ms | fastest ms | slowest ms | RSS MiB (median) | every run, ms |"
echo "| --- | ---: | ---: | ---: | ---: | --- |"
report "ContextHub${CONTEXTHUB_DLL:+ ($CONTEXTHUB_DLL)}" "$work/contexthub.txt"
