# Plinto MFA — one entry point for building, testing and running the demos.
# Every target installs what it needs; `make test` is what CI runs.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# One target dir and one triple for every build (cargo, napi, maturin), so core compiles once.
HOST_TRIPLE := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
export CARGO_BUILD_TARGET ?= $(HOST_TRIPLE)
export CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TERM_COLOR ?= never

APT_PACKAGES := oathtool

.PHONY: help deps build test test-rust lint demo clean node-deps build-node test-node

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

deps: ## Install system packages the tests use (Debian)
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: build-node build-react ## Build every package in place
	cargo build --workspace --all-targets

lint: ## rustfmt and clippy (warnings are errors)
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

test-rust: deps ## Rust unit and integration tests
	cargo test --workspace

test: deps lint test-rust test-node test-e2e ## Everything CI runs

demo: build-node build-react ## The Express example on http://localhost:3000 with ./plinto.db
	node examples/express/server.js

demo-terminal: ## Sign up a demo user on ./plinto.db, enroll TOTP and print the QR code
	cargo run --quiet -p plinto-mfa-core --example demo

# --- Node (napi-rs) -----------------------------------------------------------------------
NODE_PKG := bindings-node
EXPRESS := examples/express

node-deps: $(NODE_PKG)/node_modules/.package-lock.json $(EXPRESS)/node_modules/.package-lock.json

$(NODE_PKG)/node_modules/.package-lock.json: $(NODE_PKG)/package-lock.json
	cd $(NODE_PKG) && npm ci --no-audit --no-fund

$(EXPRESS)/node_modules/.package-lock.json: $(EXPRESS)/package-lock.json
	cd $(EXPRESS) && npm ci --no-audit --no-fund

build-node: node-deps ## Build the Node package in place (bindings-node/)
	cd $(NODE_PKG) && npx napi build --platform --target $(CARGO_BUILD_TARGET) --js native.js --dts native.d.ts

test-node: build-node ## Node package and Express example: drift, tsc, tests
	git diff --exit-code -- $(NODE_PKG)/native.js $(NODE_PKG)/native.d.ts
	cd $(NODE_PKG) && npx tsc -p .
	cd $(EXPRESS) && npx tsc -p .
	cd $(NODE_PKG) && node --test __test__/api.test.js __test__/pack.test.js
	cd $(NODE_PKG) && node --test __test__/eventloop.test.js
	cd $(EXPRESS) && node --test --test-concurrency=1 test/

clean: ## Remove build output
	cargo clean

# --- React example and browser end-to-end tests -------------------------------------------
# The guide's React components as a web app (examples/react), served by the Express example,
# and the guide's end-to-end tests in headless Chromium (Debian's, driven by playwright-core).
REACT := examples/react
E2E_APT_PACKAGES := chromium fonts-noto-color-emoji

.PHONY: react-deps build-react e2e-deps test-e2e

react-deps: $(REACT)/node_modules/.package-lock.json

$(REACT)/node_modules/.package-lock.json: $(REACT)/package-lock.json
	cd $(REACT) && npm ci --no-audit --no-fund

build-react: react-deps ## Build the React example into examples/react/dist (served by the Express example)
	cd $(REACT) && npx vite build --logLevel warn

e2e-deps: ## Install Chromium (and an emoji font) for the browser tests (Debian)
	@missing=""; for p in $(E2E_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The tests start the Express example as its own process on a free loopback port with a
# temporary database, and stop it at the end; screenshots go to examples/react/e2e/output/.
test-e2e: e2e-deps build-node build-react ## React app: tsc, then the guide's E2E tests in headless Chromium
	cd $(REACT) && npx tsc --noEmit -p . && npx tsc --noEmit -p tsconfig.node.json && npx tsc -p e2e
	cd $(REACT) && node --test --test-concurrency=1 e2e/
