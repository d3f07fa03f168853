#!/usr/bin/env bash
# Fails when the initial admin load is over budget: what the browser fetches from pkg/ for the
# first page (the JS glue, the main WASM module, wasm-split's loader and the CSS), each compressed
# with gzip -9 as the server would send it. Also prints, for information, what each lazily loaded
# area (app/src/lazy_pages.rs) adds on its first visit.
#
#   scripts/check-bundle-size.sh [PKG_DIR] [BUDGET_KIB]
#   defaults: target/site-release/pkg (`make release-bundle`), 600 KiB
set -euo pipefail
cd "$(dirname "$0")/.."

pkg=${1:-target/site-release/pkg}
budget_kib=${2:-600}
name=machidayori

if [ ! -f "$pkg/$name.wasm" ]; then
  echo "no $pkg/$name.wasm: build the release bundle first (make release-bundle)" >&2
  exit 1
fi

gz() { gzip -9 -c "$1" | wc -c; }
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }

total=0
printf '%-44s %12s %12s\n' "initial load (pkg/)" raw gzip
for file in "$pkg/$name.wasm" "$pkg/$name.js" "$pkg"/__wasm_split.*.js "$pkg/$name.css"; do
  [ -f "$file" ] || continue
  raw=$(stat -c %s "$file")
  packed=$(gz "$file")
  total=$((total + packed))
  printf '%-44s %12s %12s\n' "$(basename "$file")" "$(kib "$raw")" "$(kib "$packed")"
done

# Each area's chunks, from wasm-split's manifest (absent in a build without --split).
manifest="$pkg/__wasm_split_manifest.json"
if [ -f "$manifest" ]; then
  echo "first visit of a lazily loaded area adds (gzip):"
  python3 - "$manifest" "$pkg" <<'EOF'
import gzip, json, os, sys
manifest, pkg = sys.argv[1], sys.argv[2]
for area, modules in sorted(json.load(open(manifest)).items()):
    size = sum(len(gzip.compress(open(os.path.join(pkg, m + ".wasm"), "rb").read(), 9)) for m in modules)
    print(f"  {area.split('_')[0]:<20} {size / 1024:8.1f} KiB in {len(modules)} files")
EOF
else
  echo "no $manifest: this bundle was built without --split, every page is in the initial load"
fi

budget=$((budget_kib * 1024))
echo "initial load: $(kib "$total") gzip (budget $budget_kib KiB)"
if [ "$total" -gt "$budget" ]; then
  echo "FAIL: the initial load is $(kib $((total - budget))) over budget" >&2
  exit 1
fi
