#!/usr/bin/env bash
# The cost of metrics as CPU time per request, which holds up better than req/s on a machine shared with other work:
# two ContextHub processes from the same build (metrics on, metrics off), loaded one at a time in alternating order;
# after each load, the server's CPU time (utime+stime from /proc) divided by the requests wrk completed.
#   ROUNDS=4 DURATION=10s CONNECTIONS=32 BASE_PORT=5981 bench/run-metrics-cost.sh   (after a Release build)
#   ON_ARGS="--ContextHub:Observability:Metrics:AspNetCoreMeters=true"   extra settings for the metrics-on server
#   NO_BUILD=1 is accepted for symmetry with the other scripts (this one never builds: build Release first)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds="${ROUNDS:-4}"; duration="${DURATION:-10s}"; connections="${CONNECTIONS:-32}"; base="${BASE_PORT:-5981}"
work="$(mktemp -d)"
declare -A pid=() port=([on]=$base [off]=$((base + 1)))
cleanup() { for k in "${!pid[@]}"; do kill "${pid[$k]}" 2>/dev/null || true; wait "${pid[$k]}" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
for k in on off; do
  metrics=true; [ "$k" = off ] && metrics=false
  dotnet artifacts/bin/ContextHub.Server/release/contexthub.dll --urls "http://127.0.0.1:${port[$k]}" --Logging:LogLevel:Default=Warning \
    "--ContextHub:Knowledge:DataFolder=$work/$k" --ContextHub:Knowledge:RecordToolCalls=false \
    "--ContextHub:Observability:Metrics:Enabled=$metrics" ${ON_ARGS:+$([ "$k" = on ] && echo "$ON_ARGS")} > "$work/$k.log" 2>&1 &
  pid[$k]=$!
done
for k in on off; do
  for _ in $(seq 1 150); do curl -fs -o /dev/null "http://127.0.0.1:${port[$k]}/health/ready" && break; sleep 0.2; done
  wrk -t1 -c"$connections" -d5s -s bench/http/echo.lua "http://127.0.0.1:${port[$k]}/mcp" > /dev/null
done
ticks="$(getconf CLK_TCK)"
cpu() { awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$1/stat"; }
declare -A per=()
for round in $(seq 1 "$rounds"); do
  order="on off"; [ $((round % 2)) -eq 0 ] && order="off on"
  for k in $order; do
    before="$(cpu "${pid[$k]}")"
    requests="$(wrk -t1 -c"$connections" -d"$duration" -s bench/http/echo.lua "http://127.0.0.1:${port[$k]}/mcp" | awk '/requests in/ { print $1 }')"
    after="$(cpu "${pid[$k]}")"
    us="$(awk -v a="$after" -v b="$before" -v n="$requests" 'BEGIN { printf "%.2f", (a - b) * 1e6 / n }')"
    per[$k]+=" $us"
    echo "round $round metrics $k: $requests requests, $us us CPU per request" >&2
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
on="$(echo "${per[on]}" | median)"; off="$(echo "${per[off]}" | median)"
echo "| metrics | CPU µs per request (median of $rounds) | rounds |"
echo "| --- | ---: | --- |"
echo "| on | $on |${per[on]} |"
echo "| off | $off |${per[off]} |"
awk -v a="$on" -v b="$off" 'BEGIN { printf "on / off: %.3f\n", a / b }'
