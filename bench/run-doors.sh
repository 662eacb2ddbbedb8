#!/usr/bin/env bash
# Door benchmark: the same echo tool call through each of ContextHub's doors (MCP Streamable HTTP, MCP WebSocket,
# REST, GraphQL), driven by one closed-loop client (bench/ContextHub.LoadTest) so the doors are compared like for like.
# One ContextHub process serves every round; each round runs the doors one at a time, in alternating order, and the
# table reports the median over the rounds.
#
# Environment (all optional): SECONDS_PER_RUN=10 CONNECTIONS=32 ROUNDS=3 DOORS="mcp ws rest graphql" PORT=5921 NO_BUILD=1
#   CONTEXTHUB_ARGS="--ContextHub:Knowledge:RecordToolCalls=false" (extra settings for ContextHub)
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
cd "$root"

seconds="${SECONDS_PER_RUN:-10}"
connections="${CONNECTIONS:-32}"
rounds="${ROUNDS:-3}"
port="${PORT:-5921}"
read -r -a doors <<< "${DOORS:-mcp ws rest graphql}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$bench/results"
report="$bench/results/doors-$stamp.md"

if [ -z "${NO_BUILD:-}" ]; then
  dotnet build -c Release src/ContextHub.Server --nologo -v quiet -clp:ErrorsOnly
  dotnet build -c Release bench/ContextHub.LoadTest --nologo -v quiet -clp:ErrorsOnly
fi

dotnet artifacts/bin/ContextHub.Server/release/contexthub.dll --urls "http://127.0.0.1:$port" \
  --Logging:LogLevel:Default=Warning --Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning \
  "--ContextHub:Knowledge:DataFolder=$bench/results/doors-$stamp.knowledge" ${CONTEXTHUB_ARGS:-} > "$bench/results/doors-$stamp.server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break
  sleep 0.1
done

load() { dotnet artifacts/bin/ContextHub.LoadTest/release/ContextHub.LoadTest.dll "$1" "http://127.0.0.1:$port" "$connections" "$2"; }

echo "== warm-up" >&2
for door in "${doors[@]}"; do load "$door" 3 > /dev/null; done

declare -A rps p50 p99
for round in $(seq 1 "$rounds"); do
  order=("${doors[@]}")
  if [ $((round % 2)) -eq 0 ]; then order=($(printf '%s\n' "${doors[@]}" | tac)); fi
  for door in "${order[@]}"; do
    line="$(load "$door" "$seconds")"
    echo "round $round: $line" >&2
    rps[$door]+="$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<< "$line") "
    p50[$door]+="$(sed -n 's/.* p50_ms=\([0-9.]*\).*/\1/p' <<< "$line") "
    p99[$door]+="$(sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' <<< "$line") "
  done
done

median() { tr ' ' '\n' <<< "$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
base="$(median "${rps[mcp]:-0}")"
{
  echo "# Doors: one echo tool call per request"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git rev-parse --short HEAD)"
  echo "- client: bench/ContextHub.LoadTest, $connections connections, closed loop, ${seconds}s per run, $rounds rounds, order alternating; medians"
  echo
  echo "| door | req/s | p50 ms | p99 ms | req/s vs MCP HTTP |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for door in "${doors[@]}"; do
    r="$(median "${rps[$door]}")"
    printf '| %s | %.0f | %s | %s | %.2f× |\n' "$door" "$r" "$(median "${p50[$door]}")" "$(median "${p99[$door]}")" "$(awk -v a="$r" -v b="$base" 'BEGIN {print (b > 0 ? a / b : 0)}')"
  done
} | tee "$report"
echo "== written $report" >&2
