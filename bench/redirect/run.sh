#!/usr/bin/env bash
# The tracked-link redirect (`/r/{code}`) under the load of citizens tapping a delivery's link:
# the release binary on SQLite (the default install), one tracked link stored, wrk with
# CONNECTIONS connections for a 3 s warm-up and DURATION measured, then SIGTERM (which flushes
# the click writer and the access log) and the clicks stored counted against the requests wrk
# sent. wrk does not follow redirects: each request is one 302 and one click. Prints a Markdown
# table row:
#
#   | connections | requests/s | p50 ms | p99 ms | clicks stored / responses wrk counted | server CPU µs/request |
#
#   bench/redirect/run.sh [BINARY] [DURATION] [CONNECTIONS]
#
# BINARY defaults to target/release/machidayori, DURATION to 10s, CONNECTIONS to 64.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/machidayori} duration=${2:-10s} conns=${3:-64}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed (apt-get install sqlite3)" >&2; exit 1; }

work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

sent() { awk '/requests in/ { print $1 }'; }
ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else { sub(/s$/, "", v); printf "%.3f", v * 1000 } }'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
tick_us=$(( 1000000 / $(getconf CLK_TCK) ))

DATA_DIR="$work" BIND_ADDR=127.0.0.1:0 LOG_FORMAT=json LOG_LEVEL=warn,server::serve=info \
  "$bin" >"$work/log" 2>/dev/null &
pid=$!
addr=
for _ in $(seq 1 100); do
  addr=$(grep -o '"message":"listening","address":"[^"]*"' "$work/log" | sed 's/.*"address":"//; s/"$//' || true)
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { echo "server did not start" >&2; exit 1; }
db="$work/machidayori.db"
code=BenchCode01
sqlite3 "$db" "PRAGMA busy_timeout=5000; INSERT INTO tracked_link (code, delivery_id, run_id, channel_id, position, message_seq, url, created_at) VALUES ('$code', 1, 1, 1, 1, 1, 'https://city.example.jp/kosodate/apply', '2026-11-28T00:00:00+00:00');" >/dev/null
url="http://$addr/r/$code"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 302 ] || { echo "no redirect at $url" >&2; exit 1; }

warm=$(wrk -t2 -c"$conns" -d3s "$url" | sent)
before=$(cpu_ticks "$pid")
result=$(wrk -t2 -c"$conns" -d"$duration" --latency "$url")
after=$(cpu_ticks "$pid")
counted=$(echo "$result" | sent)
kill -TERM "$pid"
wait "$pid" 2>/dev/null || true
pid=
stored=$(sqlite3 "$db" "SELECT COUNT(*) FROM link_click;")
total=$(( warm + counted + 1 ))
rps=$(echo "$result" | awk '/Requests\/sec/ { printf "%\047d", $2 }')
p50=$(ms "$(echo "$result" | awk '$1 == "50%" { print $2 }')")
p99=$(ms "$(echo "$result" | awk '$1 == "99%" { print $2 }')")
cpu=$(awk -v t=$(( (after - before) * tick_us )) -v n="$counted" 'BEGIN { printf "%.1f", t / n }')
echo "| $conns | $rps | $p50 | $p99 | $stored / $total | $cpu |"
