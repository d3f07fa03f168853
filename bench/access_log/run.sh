#!/usr/bin/env bash
# What the access log costs a request: the same release binary with the log on and off, on
# SQLite, against `/healthz` (the cheapest request, where the log's share is largest) and
# `/admin/login` (a full server-side render). Off means MACHIDAYORI_BENCH_WITHOUT_ACCESS_LOG,
# a switch that exists for this comparison only. Each round starts a fresh server per mode
# (off, then on), runs wrk (1 thread, 8 connections) for a 3 s warm-up and DURATION per path,
# stops the server with SIGTERM (which flushes the log) and counts the stored rows. Rounds
# alternate which mode goes first. Prints Markdown table rows:
#
#   | path | access log | requests/s | p50 ms | p99 ms | CPU µs/request: all / SQLite threads | rows stored / requests sent |
#
# CPU is the server's user+system time over the measured run divided by the requests wrk
# counted: all threads, and the SQLite connection threads alone (sqlx runs each SQLite
# connection on a thread of its own; there the log's inserts execute).
#
#   bench/access_log/run.sh [BINARY] [DURATION] [ROUNDS]
#
# BINARY defaults to target/release/machidayori, DURATION to 10s, ROUNDS to 2.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/machidayori} duration=${2:-10s} rounds=${3:-2}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is not installed (apt-get install sqlite3)" >&2; exit 1; }

work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

# wrk's "N requests in" line, in plain numbers.
sent() { awk '/requests in/ { print $1 }'; }
ms() { # wrk latency (e.g. 310.00us, 1.20ms, 1.5s) in ms
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else { sub(/s$/, "", v); printf "%.3f", v * 1000 } }'
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
sqlite_ticks() {
  local total=0 t
  for t in /proc/"$1"/task/*; do
    if grep -q '^sqlx-sqlite' "$t/comm" 2>/dev/null; then
      total=$(( total + $(awk '{ print $14 + $15 }' "$t/stat") ))
    fi
  done
  echo "$total"
}
tick_us=$(( 1000000 / $(getconf CLK_TCK) ))

for round in $(seq 1 "$rounds"); do
  order="off on"
  [ $(( round % 2 )) -eq 0 ] && order="on off"
  for mode in $order; do
    dir=$work/$round-$mode
    mkdir -p "$dir"
    extra=()
    [ "$mode" = off ] && extra=(MACHIDAYORI_BENCH_WITHOUT_ACCESS_LOG=1)
    env "${extra[@]}" DATA_DIR="$dir" BIND_ADDR=127.0.0.1:0 LOG_FORMAT=json \
      LOG_LEVEL=warn,server::serve=info "$bin" >"$dir/log" 2>/dev/null &
    pid=$!
    addr=
    for _ in $(seq 1 100); do
      addr=$(grep -o '"message":"listening","address":"[^"]*"' "$dir/log" | sed 's/.*"address":"//; s/"$//' || true)
      [ -n "$addr" ] && break
      sleep 0.1
    done
    [ -n "$addr" ] || { echo "server did not start" >&2; exit 1; }
    declare -A requests=()
    for path in /healthz /admin/login; do
      warm=$(wrk -t1 -c8 -d3s "http://$addr$path" | sent)
      before=$(cpu_ticks "$pid") sqlite_before=$(sqlite_ticks "$pid")
      result=$(wrk -t1 -c8 -d"$duration" --latency "http://$addr$path")
      after=$(cpu_ticks "$pid") sqlite_after=$(sqlite_ticks "$pid")
      counted=$(echo "$result" | sent)
      requests[$path]=$(( warm + counted ))
      cpu=$(awk -v t=$(( (after - before) * tick_us )) -v s=$(( (sqlite_after - sqlite_before) * tick_us )) \
        -v n="$counted" 'BEGIN { printf "%.1f / %.1f", t / n, s / n }')
      rps=$(echo "$result" | awk '/Requests\/sec/ { printf "%\047d", $2 }')
      p50=$(ms "$(echo "$result" | awk '$1 == "50%" { print $2 }')")
      p99=$(ms "$(echo "$result" | awk '$1 == "99%" { print $2 }')")
      echo "$path|$mode|$rps|$p50|$p99|$cpu" >>"$work/rows"
    done
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
    for path in /healthz /admin/login; do
      stored=$(sqlite3 "$dir/machidayori.db" "SELECT count(*) FROM access_log WHERE path = '$path'")
      line=$(grep -n "^$path|$mode|" "$work/rows" | tail -1 | cut -d: -f1)
      if [ "$mode" = on ]; then
        sed -i "${line}s#\$#|$stored / ${requests[$path]}#" "$work/rows"
      else
        sed -i "${line}s#\$#|— (${stored} rows)#" "$work/rows"
      fi
    done
    unset requests
  done
done
sort -t'|' -k1,1 -k2,2r -s "$work/rows" | awk -F'|' '{ printf "| `%s` | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }'
