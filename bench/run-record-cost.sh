#!/usr/bin/env bash
# The cost of recording every tool call as CPU time per request (the server's utime+stime from /proc divided by the
# requests wrk completed), which holds up better than req/s on a machine shared with other work: two ContextHub
# processes from the same build, defaults (every call recorded) and RecordToolCalls=false, loaded one at a time in
# alternating order. The recording server's CPU includes its background writer and retention. Also prints each
# server's RSS after the last round and the records written.
#   NO_BUILD=1 ROUNDS=4 DURATION=10s CONNECTIONS=32 BASE_PORT=5991 bench/run-record-cost.sh
#   DLL=path/to/contexthub.dll   another build (e.g. an earlier commit's) to compare
#   ON_ARGS="--ContextHub:Knowledge:ToolCallRecording:FlushInterval=00:00:01"   extra settings for the recording server
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ -n "${NO_BUILD:-}" ] || dotnet build src/ContextHub.Server -c Release -v q -nologo > /dev/null
dll="${DLL:-artifacts/bin/ContextHub.Server/release/contexthub.dll}"
rounds="${ROUNDS:-4}"; duration="${DURATION:-10s}"; connections="${CONNECTIONS:-32}"; base="${BASE_PORT:-5991}"
work="$(mktemp -d)"
declare -A pid=() port=([on]=$base [off]=$((base + 1)))
cleanup() { for k in "${!pid[@]}"; do kill "${pid[$k]}" 2>/dev/null || true; wait "${pid[$k]}" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
for k in on off; do
  record=true; [ "$k" = off ] && record=false
  # shellcheck disable=SC2046
  dotnet "$dll" --urls "http://127.0.0.1:${port[$k]}" --Logging:LogLevel:Default=Warning \
    "--ContextHub:Knowledge:DataFolder=$work/$k" "--ContextHub:Knowledge:RecordToolCalls=$record" \
    ${ON_ARGS:+$([ "$k" = on ] && echo "$ON_ARGS")} > "$work/$k.log" 2>&1 &
  pid[$k]=$!
done
for k in on off; do
  for _ in $(seq 1 150); do curl -fs -o /dev/null "http://127.0.0.1:${port[$k]}/health/ready" && break; sleep 0.2; done
  wrk -t1 -c"$connections" -d5s -s bench/http/echo.lua "http://127.0.0.1:${port[$k]}/mcp" > /dev/null
done
sleep 1
ticks="$(getconf CLK_TCK)"
cpu() { awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$1/stat"; }
declare -A per=()
for round in $(seq 1 "$rounds"); do
  order="on off"; [ $((round % 2)) -eq 0 ] && order="off on"
  for k in $order; do
    before="$(cpu "${pid[$k]}")"
    requests="$(wrk -t1 -c"$connections" -d"$duration" -s bench/http/echo.lua "http://127.0.0.1:${port[$k]}/mcp" | awk '/requests in/ { print $1 }')"
    sleep 1 # the recording server's writer finishes the last flush inside the measured CPU time
    after="$(cpu "${pid[$k]}")"
    us="$(awk -v a="$after" -v b="$before" -v n="$requests" 'BEGIN { printf "%.2f", (a - b) * 1e6 / n }')"
    per[$k]+=" $us"
    echo "round $round recording $k: $requests requests, $us us CPU per request" >&2
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
on="$(echo "${per[on]}" | median)"; off="$(echo "${per[off]}" | median)"
rss() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }
echo "| recording | CPU µs per request (median of $rounds) | rounds | RSS MiB after |"
echo "| --- | ---: | --- | ---: |"
echo "| on (defaults) | $on |${per[on]} | $(rss "${pid[on]}") |"
echo "| off (RecordToolCalls=false) | $off |${per[off]} | $(rss "${pid[off]}") |"
awk -v a="$on" -v b="$off" 'BEGIN { printf "on / off: %.3f; recording costs %.2f us CPU per call\n", a / b, a - b }'
