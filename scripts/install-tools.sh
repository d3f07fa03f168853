#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Machidayori needs, and only what is
# missing: tools already present at the right version are reused, never rebuilt.
#
#   scripts/install-tools.sh          # build tools: wasm32 target, cargo-leptos, wasm-bindgen, wasm-opt (npm)
#   scripts/install-tools.sh --test   # also Chromium for the browser tests and the end2end npm packages
#   scripts/install-tools.sh --check  # also leptosfmt, for `make check` (formatting of view! macros)
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
LEPTOSFMT_VERSION=0.1.33
LINE_BOT_SDK_VERSION=3.27.0
# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
# As in the Makefile: the wasm-opt in tools/ comes before any other.
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_updated=
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "Please install these packages with your system's package manager: $*" >&2
    exit 1
  fi
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  if [ -z "$apt_updated" ]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (once; 15-25 minutes)"
  cargo install "cargo-leptos@$CARGO_LEPTOS_VERSION" --locked
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# wasm-opt from npm's binaryen, pinned in tools/package-lock.json, in tools/node_modules/.bin (the
# Makefile puts it first on PATH). Not Debian's package: bookworm's binaryen 108 writes every
# exported table as table 0 (fixed in binaryen 110), which breaks the wasm-bindgen glue.
stamp=tools/node_modules/.installed-from-package-lock.json
if ! cmp -s tools/package-lock.json "$stamp" 2>/dev/null; then
  say "installing wasm-opt (npm package binaryen, see tools/package.json)"
  npm ci --prefix tools --no-audit --no-fund --silent
  cp tools/package-lock.json "$stamp"
fi
wasm_opt_version=$(wasm-opt --version 2>/dev/null | grep -o '[0-9]\+' | head -n 1)
if [ "${wasm_opt_version:-0}" -lt 110 ]; then
  echo "wasm-opt on PATH is binaryen ${wasm_opt_version:-?}, older than 110: it would break the WASM bundle" >&2
  exit 1
fi

if [ "${1:-}" = "--check" ]; then
  if [ "$(leptosfmt --version 2>/dev/null | awk '{print $2}')" != "$LEPTOSFMT_VERSION" ]; then
    say "installing leptosfmt $LEPTOSFMT_VERSION (once; a few minutes)"
    cargo install "leptosfmt@$LEPTOSFMT_VERSION" --locked
  fi
fi

if [ "${1:-}" = "--test" ]; then
  if ! cargo nextest --version >/dev/null 2>&1; then
    say "installing cargo-nextest (once)"
    cargo install cargo-nextest --locked
  fi
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Chromium for the browser tests (Debian packages chromium, chromium-driver)"
    apt_install chromium chromium-driver
  fi
  # LINE's official Python SDK: the oracle for line/tests/it/sdk_agreement.rs.
  if [ "$(python3 -c 'import linebot; print(linebot.__version__)' 2>/dev/null)" != "$LINE_BOT_SDK_VERSION" ]; then
    say "installing line-bot-sdk $LINE_BOT_SDK_VERSION (PyPI) for the LINE agreement test"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "line-bot-sdk==$LINE_BOT_SDK_VERSION"
  fi
  # node_modules is reinstalled only when package-lock.json changed since the last install.
  stamp=end2end/node_modules/.installed-from-package-lock.json
  if ! cmp -s end2end/package-lock.json "$stamp" 2>/dev/null; then
    say "installing the end2end npm packages (playwright-core drives the system Chromium)"
    # Never let Playwright fetch a browser of its own.
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix end2end --no-audit --no-fund --silent
    cp end2end/package-lock.json "$stamp"
  fi
fi
