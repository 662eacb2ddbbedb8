#!/usr/bin/env bash
# Authenticated versus anonymous: one ContextHub server, one stateless MCP tools/call (`echo`) per request with wrk,
# sent three ways side by side in one run: anonymous, with an API key, with a JWT (HS256, signed here).
#
# The server accepts all three (ContextHub:Security:RequireAuthentication=false, API keys from its data folder, a
# JWT signing key); rate limits stay on for every caller (ExemptLocalAnonymous=false) with limits too high to reach, so
# each run pays the same pipeline and only the credential differs. Tool calls are not recorded, to keep the store's
# writes out of the comparison. Each round loads the three in turn, the order alternating from round to round; the
# table reports medians.
#
# Environment (all optional): DURATION=10s CONNECTIONS=32 THREADS=1 WARMUP=5s ROUNDS=3 PORT=5931 NO_BUILD=1
# Output: a markdown table on stdout and in bench/results/auth-<timestamp>.md (git-ignored), raw wrk output beside it.
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
cd "$root"

duration="${DURATION:-10s}"
connections="${CONNECTIONS:-32}"
threads="${THREADS:-1}"
warmup="${WARMUP:-5s}"
rounds="${ROUNDS:-3}"
port="${PORT:-5931}"
url="http://127.0.0.1:$port"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
raw_dir="$bench/results/auth-$stamp"
report="$bench/results/auth-$stamp.md"
mkdir -p "$raw_dir"
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'run-auth.sh: %s\n' "$*" >&2; exit 1; }
command -v wrk > /dev/null || die "wrk is needed (apt-get install wrk)"
command -v python3 > /dev/null || die "python3 is needed to sign the test JWT"

if [ "${NO_BUILD:-0}" != 1 ]; then
  log "dotnet build -c Release src/ContextHub.Server"
  dotnet build src/ContextHub.Server -c Release --nologo -v quiet -clp:ErrorsOnly > "$raw_dir/build.log" 2>&1 || { cat "$raw_dir/build.log" >&2; die "build failed"; }
fi

dll=artifacts/bin/ContextHub.Server/release/contexthub.dll
data="$raw_dir/data"
secret_b64="$(python3 -c 'import base64,os; print(base64.b64encode(os.urandom(32)).decode())')"
issuer="https://issuer.bench.test"
resource="http://127.0.0.1:$port/mcp"

api_key="$(dotnet "$dll" apikey create bench --scope '*' "--ContextHub:Knowledge:DataFolder=$data" 2> /dev/null)"
[[ "$api_key" == chk_* ]] || die "could not create an API key"
jwt="$(SECRET="$secret_b64" ISSUER="$issuer" AUDIENCE="$resource" python3 - <<'PY'
import base64, hashlib, hmac, json, os, time
def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
now = int(time.time())
claims = {"iss": os.environ["ISSUER"], "aud": os.environ["AUDIENCE"], "sub": "bench", "scope": "*", "iat": now, "nbf": now - 60, "exp": now + 3600}
payload = b64(json.dumps(claims).encode())
signature = hmac.new(base64.b64decode(os.environ["SECRET"]), f"{header}.{payload}".encode(), hashlib.sha256).digest()
print(f"{header}.{payload}.{b64(signature)}")
PY
)"

log "starting ContextHub on $url"
dotnet "$dll" --urls "$url" --Logging:LogLevel:Default=Warning --Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning \
  "--ContextHub:Knowledge:DataFolder=$data" --ContextHub:Knowledge:RecordToolCalls=false \
  "--ContextHub:Security:ResourceUri=$resource" "--ContextHub:Security:Jwt:Issuer=$issuer" "--ContextHub:Security:Jwt:SigningKeys:0=$secret_b64" \
  --ContextHub:Security:RateLimits:ExemptLocalAnonymous=false \
  --ContextHub:Security:RateLimits:RequestsPerMinute=2000000000 --ContextHub:Security:RateLimits:RequestBurst=2000000000 \
  --ContextHub:Security:RateLimits:ToolCallsPerMinute=2000000000 --ContextHub:Security:RateLimits:ToolCallBurst=2000000000 \
  --ContextHub:Security:RateLimits:MaxConcurrentToolCalls=100000 \
  > "$raw_dir/server.log" 2>&1 < /dev/null &
server_pid=$!
trap 'kill -TERM $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true' EXIT

credential_of() { case "$1" in anonymous) echo "" ;; apikey) echo "$api_key" ;; jwt) echo "$jwt" ;; esac; }
smoke() {
  local -a auth=()
  [ -z "$(credential_of "$1")" ] || auth=(-H "Authorization: Bearer $(credential_of "$1")")
  curl -sS --max-time 5 "$url/mcp" "${auth[@]}" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'Mcp-Method: tools/call' -H 'Mcp-Name: echo' -H 'MCP-Protocol-Version: 2026-07-28' --data-binary "@$bench/http/echo-request.json"
}
for _ in $(seq 1 150); do
  kill -0 $server_pid 2>/dev/null || die "the server exited; see $raw_dir/server.log"
  [[ "$(smoke anonymous 2>/dev/null || true)" == *'"echo: hello"'* ]] && break
  sleep 0.2
done
for kind in anonymous apikey jwt; do
  reply="$(smoke "$kind")"
  [[ "$reply" == *'"echo: hello"'* ]] || die "$kind: the echo call failed: $reply"
done

run_wrk() { CONTEXTHUB_CREDENTIAL="$(credential_of "$1")" wrk -t"$threads" -c"$connections" -d"$2" --timeout 5s --latency -s "$bench/http/echo-auth.lua" "$url/mcp"; }
for kind in anonymous apikey jwt; do
  log "warm-up $kind ($warmup)"
  run_wrk "$kind" "$warmup" > "$raw_dir/$kind.warmup.txt" 2>&1
done

to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
declare -A rps=() p50=() p99=() errors=()
kinds=(anonymous apikey jwt)
for kind in "${kinds[@]}"; do rps[$kind]=""; p50[$kind]=""; p99[$kind]=""; errors[$kind]=0; done
for round in $(seq 1 "$rounds"); do
  order=("${kinds[@]}")
  [ $((round % 2)) -eq 0 ] && order=(jwt apikey anonymous)
  for kind in "${order[@]}"; do
    out="$raw_dir/$kind.round$round.txt"
    log "round $round/$rounds: $kind"
    run_wrk "$kind" "$duration" > "$out" 2>&1 || die "wrk failed ($kind); see $out"
    r="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
    rps[$kind]+=" $r"
    p50[$kind]+=" $(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")"
    p99[$kind]+=" $(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
    errors[$kind]=$((${errors[$kind]} + ${non2xx:-0}))
    printf '   %-10s %10s req/s\n' "$kind" "$r" >&2
  done
done

anon="$(echo "${rps[anonymous]}" | median)"
{
  echo "# Authenticated vs anonymous: stateless MCP tools/call (echo)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $(nproc) cores shared with wrk; load average at start: $load_at_start"
  echo "- load: \`wrk -t$threads -c$connections -d$duration --latency\`, $rounds rounds, order alternating; one server, tool calls not recorded"
  echo
  echo "| caller | req/s (median) | p50 ms | p99 ms | non-2xx | vs anonymous |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  for kind in "${kinds[@]}"; do
    m="$(echo "${rps[$kind]}" | median)"
    printf '| %s | %.0f | %.2f | %.2f | %d | %s |\n' "$kind" "$m" "$(echo "${p50[$kind]}" | median)" "$(echo "${p99[$kind]}" | median)" \
      "${errors[$kind]}" "$(awk -v a="$m" -v b="$anon" 'BEGIN { printf "%.2f×", a / b }')"
  done
  echo
  echo "Per-round req/s:"
  for kind in "${kinds[@]}"; do echo "- $kind:${rps[$kind]}"; done
} | tee "$report"
log "written $report"
