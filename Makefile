# The two commands of README.md:
#   make run    build and serve on http://127.0.0.1:3000 (embedded SQLite under data/)
#   make test   every test: Rust unit and integration tests (SQLite, and PostgreSQL when
#               TEST_POSTGRES_URL is set), then the browser tests in Chromium
# Both install what is missing first (scripts/install-tools.sh). Beside them:
#   make check  what reviewers check, and CI before the tests: formatting and clippy
#   make fmt    format everything (rustfmt, and leptosfmt for the view! macros)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
# tools/node_modules/.bin first: cargo-leptos runs the first wasm-opt on PATH, and it must be
# binaryen >= 110 from npm (tools/package.json), never Debian 12's binaryen 108, whose wasm-opt
# breaks the bundle (every table export becomes table 0: nothing hydrates).
export PATH := $(CURDIR)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

# The crates whose tests run natively. `frontend` is left out: it turns on `app/hydrate`, and
# `app` must never be built with `ssr` and `hydrate` together.
NATIVE_PACKAGES := -p app -p domain -p line -p migrations -p model -p sandbox -p server
# The crates the browser runs (frontend turns on app/hydrate).
WASM_PACKAGES := -p frontend -p line -p model

.PHONY: run test check build release tools test-tools check-tools fmt lint bench
.PHONY: release-bundle bundle-size

# `--split` on every build: the pages behind lazy routes (app/src/lazy_pages.rs) go to WASM chunks
# the browser fetches when they are first shown. Without it they are compiled into the bundle.
run: tools
	cargo leptos serve --split

build: tools
	cargo leptos build --split

release: tools
	cargo leptos build --release --split
	@echo "Release build: target/release/machidayori with assets in target/site"

# The release WASM bundle alone, built exactly as by `make release` (wasm-release profile,
# wasm-opt, split) but into a site directory of its own, so target/site (the debug one of
# `make run`) is left alone. `make test` runs the browser tests against it.
RELEASE_SITE := target/site-release
release-bundle: tools
	LEPTOS_SITE_ROOT=$(RELEASE_SITE) cargo leptos build --release --split --frontend-only

# Fails when the initial admin load (gzip) is over its budget of 600 KiB.
bundle-size:
	scripts/check-bundle-size.sh $(RELEASE_SITE)/pkg

tools:
	@scripts/install-tools.sh

test-tools:
	@scripts/install-tools.sh --test

check-tools:
	@scripts/install-tools.sh --check

# The browser tests run the debug server with the release WASM bundle: what reaches the browser is
# exactly what `make release` ships (and Debian's wasm-opt once broke only that), while the
# debug server build is shared with the Rust tests. A release server would add ~11 minutes of
# cold build for a binary that renders the same HTML (docs/benchmarks.md).
test: test-tools
	cargo leptos build --server-only
	LEPTOS_SITE_ROOT=$(RELEASE_SITE) cargo leptos build --release --split --frontend-only
	@echo "==> size of the release WASM bundle"
	scripts/check-bundle-size.sh $(RELEASE_SITE)/pkg
	@echo "==> browser tests (end2end/, Chromium) against the release WASM bundle"
	SITE_ROOT=$(RELEASE_SITE) MACHIDAYORI_BIN=$${MACHIDAYORI_BIN:-$${CARGO_TARGET_DIR:-target}/debug/machidayori} \
	  node --test --test-concurrency=1 end2end/tests/
	@echo "==> Rust tests"
	@if [ -n "$${TEST_POSTGRES_URL:-}" ]; then \
	  echo "    on SQLite and PostgreSQL"; filter='all()'; \
	else \
	  echo "    on SQLite only: set TEST_POSTGRES_URL=postgres://USER:PASSWORD@HOST/postgres to include PostgreSQL"; \
	  filter='not test(/::postgres$$/)'; \
	fi; \
	cargo nextest run $(NATIVE_PACKAGES) --no-fail-fast -E "$$filter"

fmt: check-tools
	leptosfmt --quiet app/src
	cargo fmt --all

# Fails on an unformatted file or any clippy warning (the workspace lints in Cargo.toml).
check: check-tools
	@echo "==> formatting (rustfmt, leptosfmt)"
	cargo fmt --all --check
	leptosfmt --check --quiet app/src
	@echo "==> clippy, native and browser sides"
	$(MAKE) --no-print-directory lint

# Clippy per side of the feature split, never both at once.
lint:
	cargo clippy $(NATIVE_PACKAGES) --all-targets -- -D warnings
	cargo clippy $(WASM_PACKAGES) --target wasm32-unknown-unknown -- -D warnings

bench: tools
	scripts/bench.sh
