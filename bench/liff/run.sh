#!/usr/bin/env bash
# The citizens' LIFF survey page against its budget (100 KiB gzip of our HTML, CSS and JS plus
# LINE's SDK; Lighthouse mobile performance ≥ 95, accessibility 100): see bench/liff/measure.mjs.
# Uses the built debug server (target/debug/machidayori) and site (target/site); prints Markdown
# for docs/benchmarks.md. Lighthouse runs only when installed outside the repository:
#
#   npm install --prefix /tmp/lh lighthouse@12.8.2 chrome-launcher@1.2.1
#   bench/liff/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export SITE_ROOT=target/site
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
exec node bench/liff/measure.mjs
