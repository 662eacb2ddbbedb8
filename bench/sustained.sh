#!/usr/bin/env bash
# Sustained load with every call recorded: wrk sends paced `echo` calls (bench/http/echo-paced.lua: each of CONNECTIONS
# connections waits PACE_MS between an answer and its next request, so at most CONNECTIONS * 1000 / PACE_MS calls a
# second: 100 * 1000 / 5 = 20,000) for DURATION to a ContextHub server with its defaults, then stops the server
# (which writes what it still has queued) and counts the calls in tool_call_blocks against the calls wrk saw answered.
#
# Environment (all optional): DURATION=60s CONNECTIONS=100 PACE_MS=5 THREADS=2 PORT=5961 NO_BUILD=1
#   CONTEXTHUB_ARGS="..." extra settings
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
cd "$root"
duration="${DURATION:-60s}"
connections="${CONNECTIONS:-100}"
pace="${PACE_MS:-5}"
threads="${THREADS:-2}"
port="${PORT:-5961}"
work="$(mktemp -d "${TMPDIR:-/tmp}/contexthub-sustained.XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
command -v sqlite3 > /dev/null || { echo "sustained.sh: sqlite3 is needed to count the records (apt-get install sqlite3)" >&2; exit 1; }
[ "${NO_BUILD:-0}" = 1 ] || dotnet build src/ContextHub.Server -c Release --nologo -v quiet -clp:ErrorsOnly > /dev/null

dotnet artifacts/bin/ContextHub.Server/release/contexthub.dll --urls "http://127.0.0.1:$port" \
  --Logging:LogLevel:Default=Warning "--ContextHub:Knowledge:DataFolder=$work/data" ${CONTEXTHUB_ARGS:-} > "$work/server.log" 2>&1 < /dev/null &
pid=$!
for _ in $(seq 1 300); do
  [ "$(curl -s --max-time 1 "http://127.0.0.1:$port/healthz")" = ok ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done

PACE_MS="$pace" wrk -t"$threads" -c"$connections" -d"$duration" --timeout 5s --latency -s "$bench/http/echo-paced.lua" \
  "http://127.0.0.1:$port/mcp" > "$work/wrk.txt" 2>&1
rss="$(awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$pid/status")"
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""

answered="$(awk '/requests in/ { print $1 }' "$work/wrk.txt")"
non2xx="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$work/wrk.txt")"
recorded="$(sqlite3 "$work/data/knowledge.db" 'SELECT coalesce(SUM(count), 0) FROM tool_call_blocks;')"
per_second="$(sqlite3 "$work/data/knowledge.db" "SELECT SUM(count) / ((MAX(last_time) - MIN(first_time)) / 1000.0) FROM tool_call_blocks;")"
dropped="$(grep -o '[0-9]* since start' "$work/server.log" | tail -1 | cut -d' ' -f1 || true)"

echo "# Sustained load, every call recorded"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $(nproc) cores, shared by wrk and the server; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- \`PACE_MS=$pace wrk -t$threads -c$connections -d$duration --latency -s bench/http/echo-paced.lua\` ($([ "$pace" -gt 0 ] && echo "at most $((connections * 1000 / pace)) calls/s" || echo "unpaced"))"
echo
echo '```'
cat "$work/wrk.txt"
echo '```'
echo
echo "| calls wrk saw answered | non-2xx | calls in tool_call_blocks after stop | recorded calls/s (first to last record) | drops logged | RSS after load MiB |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
echo "| $answered | ${non2xx:-0} | $recorded | $(printf '%.0f' "$per_second") | ${dropped:-none} | $rss |"
echo
echo "wrk counts only answers it read before it stopped; the server also answers (and records) the requests still in flight then, at most one per connection."
