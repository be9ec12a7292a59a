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
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

deps: ## Install system packages the tests use (Debian)
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: build-node ## Build every package in place
	cargo build --workspace --all-targets

lint: ## rustfmt and clippy (warnings are errors)
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

test-rust: deps ## Rust unit and integration tests
	cargo test --workspace

test: deps lint test-rust test-node ## Everything CI runs

demo: build-node ## The Express example on http://localhost:3000 with ./plinto.db
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
