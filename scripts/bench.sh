#!/usr/bin/env bash
# Release build sizes, the server-side render time of /admin/login under load, webhook intake
# against the LINE SDK's express receiver, and multicast to 100,000 sandbox friends, measured
# with wrk (a real HTTP load generator) on loopback only. Prints a Markdown block for
# docs/benchmarks.md. Bounded: one 3 s warm-up and one 15 s run.
#
#   make bench            (or scripts/bench.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# tools/: binaryen >= 110 for wasm-opt (see the Makefile).
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

if ! command -v wrk >/dev/null; then
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi

start=$(date +%s)
cargo leptos build --release --split >/tmp/machidayori-bench-build.log 2>&1
build_secs=$(( $(date +%s) - start ))

pkg=target/site/pkg
size() { stat -c %s "$1"; }
gz() { gzip -9 -c "$1" | wc -c; }
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }

data=$(mktemp -d)
trap 'kill "$pid" ${express_pid:-} ${wpid:-} 2>/dev/null || true; rm -rf "$data"' EXIT
DATA_DIR=$data SITE_ROOT=target/site BIND_ADDR=127.0.0.1:0 LOG_FORMAT=json LOG_LEVEL=warn,server::serve=info \
  target/release/machidayori >"$data/log" 2>/dev/null &
pid=$!
for _ in $(seq 1 100); do
  addr=$(grep -o '"message":"listening","address":"[^"]*"' "$data/log" | sed 's/.*"address":"//; s/"$//' || true)
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { echo "server did not start" >&2; exit 1; }
url="http://$addr/admin/login"

wrk -t1 -c8 -d3s "$url" >/dev/null
result=$(wrk -t1 -c8 -d15s --latency "$url")
median=$(echo "$result" | awk '$1 == "50%" { print $2 }')
p99=$(echo "$result" | awk '$1 == "99%" { print $2 }')
rps=$(echo "$result" | awk '/Requests\/sec/ { print $2 }')
non2xx=$(echo "$result" | awk '/Non-2xx/ { print $5 }')
rss=$(awk '/VmHWM/ { print $2 " " $3 }' "/proc/$pid/status")

# Webhook intake (bench/webhook/): wrk (1 thread, 32 connections) POSTs distinct, signed
# one-event bodies; a 3 s warm-up with other event ids, then 10 s. Ours verifies and stores every
# event durably; the LINE SDK's documented receiver (express + line.middleware) verifies and
# parses, and stores nothing.
export LINE_CHANNEL_SECRET=machidayori-bench-secret
rows=$data/webhook.md
webhook_row() { # URL LABEL PID
  BODY_SET=1 bench/webhook/run.sh "$1" "$2" 3s >/dev/null
  SERVER_PID=$3 bench/webhook/run.sh "$1" "$2" 10s 32 >>"$rows"
}
ours_row() { # DATABASE_URL LABEL DIR
  mkdir -p "$3"
  DATA_DIR=$3 DATABASE_URL=$1 SITE_ROOT=target/site BIND_ADDR=127.0.0.1:0 LOG_FORMAT=json \
    LOG_LEVEL=warn,server::serve=info LINE_CHANNEL_ACCESS_TOKEN=bench-token LINE_CHANNEL_ID=2000000000 \
    LINE_API_BASE=http://127.0.0.1:9 target/release/machidayori >"$3/log" 2>/dev/null &
  wpid=$!
  waddr=
  for _ in $(seq 1 100); do
    waddr=$(grep -o '"message":"listening","address":"[^"]*"' "$3/log" | sed 's/.*"address":"//; s/"$//' || true)
    [ -n "$waddr" ] && break
    sleep 0.1
  done
  [ -n "$waddr" ] || { echo "server did not start ($2)" >&2; exit 1; }
  webhook_row "http://$waddr/webhook/line/main" "$2" "$wpid"
  kill "$wpid"; wait "$wpid" 2>/dev/null || true
}
(cd bench/webhook/express-receiver && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
NODE_ENV=production PORT=3900 node bench/webhook/express-receiver/server.js >/dev/null &
express_pid=$!
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/3900) 2>/dev/null && break; sleep 0.1; done
webhook_row http://127.0.0.1:3900/webhook/line/main "LINE SDK receiver (express, stores nothing)" "$express_pid"
kill "$express_pid"; wait "$express_pid" 2>/dev/null || true
ours_row "sqlite://$data/wh-sqlite/machidayori.db?mode=rwc" "Machidayori, SQLite" "$data/wh-sqlite"
if [ -n "${TEST_POSTGRES_URL:-}" ]; then
  psql -q "$TEST_POSTGRES_URL" -c 'DROP DATABASE IF EXISTS machidayori_bench' -c 'CREATE DATABASE machidayori_bench'
  ours_row "$(echo "$TEST_POSTGRES_URL" | sed -E 's#/[^/?]*(\?|$)#/machidayori_bench\1#')" "Machidayori, PostgreSQL" "$data/wh-pg"
fi
ratios=$(awk -F'|' '{ gsub(/[ ,]/, "", $3) } NR == 1 { base = $3; next }
  { gsub(/^ +| +$/, "", $2); printf "%s %s %.2f×", sep, $2, $3 / base; sep = ";" }' "$rows")
multicast=$(cargo bench -q -p server --bench multicast 2>/dev/null)

cat <<MD
| measure | value |
|---|---|
| release build (\`cargo leptos build --release\`, incremental state as found) | ${build_secs} s |
| main WASM module \`machidayori.wasm\` (without the lazily loaded areas) raw / gzip -9 | $(kib "$(size $pkg/machidayori.wasm)") / $(kib "$(gz $pkg/machidayori.wasm)") |
| JS glue \`machidayori.js\` raw / gzip -9 | $(kib "$(size $pkg/machidayori.js)") / $(kib "$(gz $pkg/machidayori.js)") |
| CSS \`machidayori.css\` raw / gzip -9 | $(kib "$(size $pkg/machidayori.css)") / $(kib "$(gz $pkg/machidayori.css)") |
| \`GET /admin/login\` median latency (wrk, 1 thread, 8 connections, 15 s, loopback) | ${median} |
| \`GET /admin/login\` 99th percentile | ${p99} |
| \`GET /admin/login\` throughput | ${rps} requests/s${non2xx:+ (non-2xx: $non2xx)} |
| server peak resident memory (VmHWM) after the run | ${rss} |
MD

cat <<MD

| webhook intake, loopback (wrk 1 thread, 32 connections, 10 s) | events/s | p50 ms | p99 ms | non-2xx |
|---|---|---|---|---|
$(cat "$rows")

Throughput relative to the LINE SDK receiver:${ratios}

Multicast to 100,000 sandbox friends (\`cargo bench -p server --bench multicast\`):

$multicast
MD
