# The two commands of README.md:
#   make run    build and serve on http://127.0.0.1:3000 (embedded SQLite under data/)
#   make test   every test: Rust unit and integration tests (SQLite, and PostgreSQL when
#               TEST_POSTGRES_URL is set), then the browser tests in Chromium
# Both install what is missing first (scripts/install-tools.sh). Beside them:
#   make check  what reviewers check, and CI before the tests: formatting and clippy
#   make fmt    format everything (rustfmt, and leptosfmt for the view! macros)

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)

# The crates whose tests run natively. `frontend` is left out: it turns on `app/hydrate`, and
# `app` must never be built with `ssr` and `hydrate` together.
NATIVE_PACKAGES := -p app -p domain -p line -p migrations -p model -p sandbox -p server
# The crates the browser runs (frontend turns on app/hydrate).
WASM_PACKAGES := -p frontend -p line -p model

.PHONY: run test check build release tools test-tools check-tools fmt lint bench

run: tools
	cargo leptos serve

build: tools
	cargo leptos build

release: tools
	cargo leptos build --release
	@echo "Release build: target/release/machidayori with assets in target/site"

tools:
	@scripts/install-tools.sh

test-tools:
	@scripts/install-tools.sh --test

check-tools:
	@scripts/install-tools.sh --check

test: test-tools
	cargo leptos build
	@echo "==> browser tests (end2end/, Chromium)"
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
