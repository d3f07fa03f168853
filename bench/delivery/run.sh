#!/usr/bin/env bash
# A delivery to 1,000,000 sandbox friends: from 送信 to the last multicast batch accepted (goal:
# within 10 % of the 10 s that LINE's limit of 200 multicasts/s allows for 2,000 batches of
# 500), the server's peak resident memory (goal < 300 MB), and how fast the admin panel answers
# meanwhile (goal: p99 < 50 ms). Prints a Markdown table for docs/benchmarks.md.
#
#   bench/delivery/run.sh                      SQLite
#   TEST_POSTGRES_URL=postgres://USER:PASSWORD@HOST/postgres bench/delivery/run.sh
#                                              SQLite, then PostgreSQL (a fresh database)
#   FRIENDS=100000 bench/delivery/run.sh       fewer friends, for a quick look
#   PER_PERSON=1 FRIENDS=100000 bench/delivery/run.sh
#                                              a delivery that records who clicked (a push per
#                                              friend, each with links of their own)
#
# The server is the release build (`cargo build --release`, target/release/machidayori). The
# driver is the ignored test `deliveries::benchmark_a_delivery_to_a_million_friends` of
# server/tests/it/deliveries.rs (a debug build, like every test: the `it` test binary does not
# build with --release). It plays LINE in its own process: the built-in sandbox with the
# friends, served on a loopback port that the server reaches through LINE_API_BASE, so the
# server's memory and CPU figures are the server's alone. It also fills the database (friend
# rows), signs in as an administrator, creates the draft, and then does what staff's browser
# does: the confirmation's audience count, 送信, and while the delivery runs two loops (one
# request every 20 ms each) over /healthz, /admin/login, the delivery's page and its progress.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"
target=${CARGO_TARGET_DIR:-target}
case $target in /*) ;; *) target=$PWD/$target ;; esac
log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "==> cargo build --release -p server --bin machidayori" >&2
cargo build --release -p server --bin machidayori >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
echo "==> benchmark (FRIENDS=${FRIENDS:-1000000}${TEST_POSTGRES_URL:+, SQLite and PostgreSQL})" >&2
if ! DELIVERY_BENCH_BIN="$target/release/machidayori" \
  cargo test -p server --test it deliveries::benchmark_ -- --ignored --nocapture --test-threads=1 \
  >"$log" 2>&1; then
  cat "$log" >&2
  echo "bench/delivery/run.sh: the benchmark failed" >&2
  exit 1
fi
grep -E '^(Sqlite|Postgres):' "$log" >&2 || true
grep '^|' "$log"
