#!/usr/bin/env bash
# Release build sizes and the server-side render time of /admin/login under load, measured with
# wrk (a real HTTP load generator) on loopback only. Prints a Markdown block for
# docs/benchmarks.md. Bounded: one 3 s warm-up and one 15 s run.
#
#   make bench            (or scripts/bench.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

if ! command -v wrk >/dev/null; then
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi

start=$(date +%s)
cargo leptos build --release >/tmp/machidayori-bench-build.log 2>&1
build_secs=$(( $(date +%s) - start ))

pkg=target/site/pkg
size() { stat -c %s "$1"; }
gz() { gzip -9 -c "$1" | wc -c; }
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }

data=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
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

cat <<MD
| measure | value |
|---|---|
| release build (\`cargo leptos build --release\`, incremental state as found) | ${build_secs} s |
| WASM bundle \`machidayori.wasm\` raw / gzip -9 | $(kib "$(size $pkg/machidayori.wasm)") / $(kib "$(gz $pkg/machidayori.wasm)") |
| JS glue \`machidayori.js\` raw / gzip -9 | $(kib "$(size $pkg/machidayori.js)") / $(kib "$(gz $pkg/machidayori.js)") |
| CSS \`machidayori.css\` raw / gzip -9 | $(kib "$(size $pkg/machidayori.css)") / $(kib "$(gz $pkg/machidayori.css)") |
| \`GET /admin/login\` median latency (wrk, 1 thread, 8 connections, 15 s, loopback) | ${median} |
| \`GET /admin/login\` 99th percentile | ${p99} |
| \`GET /admin/login\` throughput | ${rps} requests/s${non2xx:+ (non-2xx: $non2xx)} |
| server peak resident memory (VmHWM) after the run | ${rss} |
MD
