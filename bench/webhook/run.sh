#!/usr/bin/env bash
# Webhook intake load: POSTs distinct, correctly signed LINE webhook bodies (one text message event
# each) to TARGET_URL with wrk, and prints one Markdown table row:
#
#   | LABEL | events/s | p50 ms | p99 ms | non-2xx |
#
#   LINE_CHANNEL_SECRET=... bench/webhook/run.sh TARGET_URL LABEL [DURATION] [CONNECTIONS]
#
# DURATION defaults to 10s, CONNECTIONS to 32. The secret must be the one the server verifies
# with. wrk runs one thread so that, on a 2-core machine, the server keeps the other core.
# Environment (all optional but the secret):
#   BODIES=600000    requests generated; a run that needs more wraps around and sends duplicates
#   BODY_SET=0       id namespace 0-255: use different sets for runs against the same database
#                    (e.g. a warm-up and the measured run), otherwise the second run re-sends
#                    events the server already stored
#   LINE_DESTINATION destination (bot user id) written in the bodies
#   WRK_THREADS=1    wrk threads
#   SERVER_PID       if set, the server's CPU use during the run is printed on stderr
#   BENCH_CACHE      where generated bodies are cached (default ${TMPDIR:-/tmp}/machidayori-webhook-bench);
#                    a file is about 340 MiB for 600000 bodies and takes ~5 s to generate
# Details (the full machine-readable result line, warnings) go to stderr.
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
url=$1 label=$2 duration=${3:-10s} connections=${4:-32}
: "${LINE_CHANNEL_SECRET:?LINE_CHANNEL_SECRET must be set to the channel secret of the server}"
here=$(cd "$(dirname "$0")" && pwd)
bodies=${BODIES:-600000}
set_no=${BODY_SET:-0}
threads=${WRK_THREADS:-1}
cache=${BENCH_CACHE:-${TMPDIR:-/tmp}/machidayori-webhook-bench}

command -v wrk >/dev/null || { echo "run.sh: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

# Cache the generated bodies by everything that goes into them (the secret only as a hash).
key=$(printf 'v1\n%s\n%s\n%s\n%s\n' "$LINE_CHANNEL_SECRET" "${LINE_DESTINATION:-}" "$bodies" "$set_no" \
  | sha256sum | cut -c1-16)
file=$cache/bodies-$set_no-$bodies-$key.tsv
if [ ! -s "$file" ]; then
  mkdir -p "$cache"
  python3 "$here/gen_bodies.py" "$file" --count "$bodies" --set "$set_no" >&2
fi

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
if [ -n "${SERVER_PID:-}" ] && [ ! -r "/proc/$SERVER_PID/stat" ]; then
  echo "run.sh: warning: SERVER_PID $SERVER_PID is not running" >&2
  SERVER_PID=
fi
[ -z "${SERVER_PID:-}" ] || { cpu0=$(cpu_ticks "$SERVER_PID"); t0=$(date +%s.%N); }

out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$here/webhook.lua" "$url" -- "$file" "$threads")

if [ -n "${SERVER_PID:-}" ] && [ -r "/proc/$SERVER_PID/stat" ]; then
  cpu1=$(cpu_ticks "$SERVER_PID") t1=$(date +%s.%N)
  awk -v c="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" -v l="$label" \
    'BEGIN { printf "run.sh: %s: server CPU %.0f%% of one core during the run\n", l, 100 * c / hz / (t1 - t0) }' >&2
fi

result=$(echo "$out" | grep '^WEBHOOK_BENCH ' || true)
[ -n "$result" ] || { echo "$out" >&2; echo "run.sh: no result from wrk" >&2; exit 1; }
echo "run.sh: $label: $result" >&2
field() { echo "$result" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }

[ "$(field wraps)" = 0 ] ||
  echo "run.sh: warning: $label ran out of distinct bodies ($(field wraps) wrap-arounds): raise BODIES" >&2
[ "$(field socket_errors)" = 0 ] ||
  echo "run.sh: warning: $label had $(field socket_errors) socket errors (connect/read/write/timeout)" >&2

printf '| %s | %s | %s | %s | %s |\n' "$label" \
  "$(LC_ALL=C printf '%.0f' "$(field events_per_s)" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta')" \
  "$(field p50_ms)" "$(field p99_ms)" "$(field non2xx)"
