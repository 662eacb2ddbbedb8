#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test (the .NET suites drive the JavaScript clients and
# the MCP conformance suite themselves). Ends with one line: "N passed, N failed[, N skipped]".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
configuration="${CONFIGURATION:-Release}"
results="$root/artifacts/test-results"

step() { printf '\n== %s\n' "$*"; }

step "System packages the tests start themselves (redis-server, haproxy, prometheus/promtool, wrk, chromium, docker-compose)"
# The tests start each of these on a free loopback port and stop it by pid; nothing runs as a service.
need=()
for pair in redis-server:redis-server haproxy:haproxy promtool:prometheus wrk:wrk chromium:chromium docker-compose:docker-compose; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  if ! ($sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null); then
    echo "apt-get install ${need[*]} failed" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

step "JavaScript clients (Node 22, TypeScript SDK, MCP Inspector, conformance suite) from tests/js/package-lock.json"
if ! (cd tests/js && npm ci --no-audit --no-fund --loglevel=error); then
  echo "npm ci failed in tests/js" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

step "Build ($configuration)"
if ! dotnet build ContextHub.slnx -c "$configuration" --nologo -v quiet -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

step "Tests"
rm -rf "$results"
dotnet test ContextHub.slnx -c "$configuration" --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
  -- RunConfiguration.TestSessionTimeout=3600000
status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get total) - $(get executed)))  # a skipped test counts as not executed
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the run itself failed (a crashed test host counts as a failure)
fi

# Name each failed test again next to the summary, with the first line of its message, so the end of a long log says
# what failed without scrolling back through it.
if [ "$failed" -gt 0 ]; then
  echo
  echo "Failed tests:"
  for trx in "$results"/*.trx; do
    [ -f "$trx" ] || continue
    awk '
      /<UnitTestResult / {
        name = ""; failing = ($0 ~ /outcome="Failed"/)
        if (failing && match($0, /testName="[^"]*"/)) name = substr($0, RSTART + 10, RLENGTH - 11)
        gsub(/&quot;/, "\"", name); gsub(/&apos;/, "\047", name); gsub(/&amp;/, "\\&", name)
      }
      failing && name != "" && /<Message>/ {
        line = $0; sub(/.*<Message>/, "", line); sub(/<\/Message>.*/, "", line)
        printf "  %s\n      %s\n", name, substr(line, 1, 300); name = ""
      }
      failing && name != "" && /<\/UnitTestResult>/ { printf "  %s\n", name; name = "" }
    ' "$trx"
  done
fi

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo
echo "$summary"
[ "$failed" -eq 0 ]
