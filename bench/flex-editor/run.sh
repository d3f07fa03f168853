#!/usr/bin/env bash
# The Flex editor's keystroke latency on a 12-bubble carousel (issue 16): see
# bench/flex-editor/measure.mjs. Builds what `make test` builds (the debug server, the release
# WASM bundle in target/site-release; cargo and cargo-leptos skip what is up to date), then
# runs the measurement against them and prints Markdown for docs/benchmarks.md.
#
#   bench/flex-editor/run.sh              (SKIP_BUILD=1: use the built ones as they are)
#   KEYS=20 PROFILE=0 bench/flex-editor/run.sh
#   NAMES=1 bench/flex-editor/run.sh      a CPU profile by WASM function (see below)
#
# NAMES=1 builds the same release bundle once more into target/flex-bench-site with wasm-opt
# keeping the function names and not optimising (`-g`, no `-Oz`: the code is LLVM's, as in the
# release), then profiles 120 keystrokes with it and prints where the WASM's time goes, by
# component and by function. The profiles are left in target/flex-bench/*.cpuprofile (Chrome
# DevTools, Performance, "Load profile").
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
RELEASE_SITE=target/site-release
NAMED_SITE=target/flex-bench-site
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  scripts/install-tools.sh --test >&2
  cargo leptos build --server-only >&2
  LEPTOS_SITE_ROOT=$RELEASE_SITE cargo leptos build --release --split --frontend-only >&2
  if [ "${NAMES:-0}" = 1 ]; then
    LEPTOS_SITE_ROOT=$NAMED_SITE LEPTOS_WASM_OPT_FEATURES="-g,--enable-bulk-memory,--enable-nontrapping-float-to-int" \
      cargo leptos build --release --split --frontend-only >&2
  fi
fi
if [ "${NAMES:-0}" = 1 ]; then
  export SITE_ROOT=$NAMED_SITE
else
  export SITE_ROOT=$RELEASE_SITE
fi
export MACHIDAYORI_BIN=${MACHIDAYORI_BIN:-${CARGO_TARGET_DIR:-target}/debug/machidayori}
echo "$(date +%F), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average $(cut -d' ' -f1-3 /proc/loadavg) before the run."
echo
exec node bench/flex-editor/measure.mjs
