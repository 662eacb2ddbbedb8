#!/usr/bin/env bash
# Memory of the default server around its first need of the local embedding model (all-MiniLM-L6-v2): VmRSS of a
# freshly started server (model not loaded), after its first hybrid search (which loads it), and after an ingestion and
# another search; the server's own log lines say how long loading (and quantizing) took.
#
# QUANTIZATIONS="default None Int8" runs one server per weight setting, one after another, into one table ("default"
# leaves ContextHub:Knowledge:Embeddings:MiniLM:Quantization unset).
#
# Environment (all optional): PORT=5981 NO_BUILD=1 CONTEXTHUB_ARGS="..." QUANTIZATIONS="default"
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
cd "$root"
port="${PORT:-5981}"
work="$(mktemp -d "${TMPDIR:-/tmp}/contexthub-model.XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
[ "${NO_BUILD:-0}" = 1 ] || dotnet build src/ContextHub.Server -c Release --nologo -v quiet -clp:ErrorsOnly > /dev/null

call() { # call TOOL ARGUMENTS-JSON: one stateless tools/call; fails unless it answers with a result
  curl -sS --max-time 120 "http://127.0.0.1:$port/mcp" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' -H 'Mcp-Method: tools/call' -H "Mcp-Name: $1" \
    -H 'MCP-Protocol-Version: 2026-07-28' --data-binary "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"$1\",\"arguments\":$2,\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}" \
    | grep -q '"result"'
}
rss() { awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$pid/status"; }

rows=()
logs=()
for quantization in ${QUANTIZATIONS:-default}; do
  extra=()
  [ "$quantization" = default ] || extra=("--ContextHub:Knowledge:Embeddings:MiniLM:Quantization=$quantization")
  rm -rf "$work/data"
  # shellcheck disable=SC2086 # CONTEXTHUB_ARGS is a list of arguments
  dotnet artifacts/bin/ContextHub.Server/release/contexthub.dll --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning \
    --Logging:LogLevel:ContextHub.Embeddings.MiniLM=Information "--ContextHub:Knowledge:DataFolder=$work/data" "${extra[@]}" ${CONTEXTHUB_ARGS:-} \
    > "$work/server.log" 2>&1 < /dev/null &
  pid=$!
  for _ in $(seq 1 300); do
    [ "$(curl -s --max-time 1 "http://127.0.0.1:$port/healthz")" = ok ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
  done

  sleep 3
  at_start="$(rss)"
  call search '{"query":"how do lighthouses work","mode":"hybrid"}'
  after_search="$(rss)"
  call ingest '{"source":"notes/lighthouse.md","text":"# Lighthouse keeping\n\nThe keeper trims the wick at dusk and polishes the great lens every morning. Ships steer by the light."}'
  call search '{"query":"who polishes the lens","mode":"hybrid"}'
  after_ingest="$(rss)"
  sleep 3 # the model's second give-back runs 2 s after loading
  settled="$(rss)"
  peak="$(awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$pid/status")"
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""

  rows+=("| $quantization | $at_start | $after_search | $after_ingest | $settled | $peak |")
  logs+=("Quantization=$quantization:")
  while IFS= read -r line; do logs+=("    $line"); done < <(grep -E "embedding model|Embedding model" "$work/server.log" | sed 's/^ *//')
done

echo "# Memory around the first use of the local embedding model"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- ContextHub settings: defaults${CONTEXTHUB_ARGS:+ plus $CONTEXTHUB_ARGS}, ContextHub:Knowledge:Embeddings:MiniLM:Quantization as in the first column"
echo
echo "| Quantization | VmRSS MiB: 3 s after start | after the first hybrid search | after an ingestion and a second search | 3 s later | peak (VmHWM) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}"
echo
echo "Server log:"
echo
printf '%s\n' "${logs[@]}"
