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

.PHONY: help deps build test test-rust lint demo clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

deps: ## Install system packages the tests use (Debian)
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: ## Build every package in place
	cargo build --workspace --all-targets

lint: ## rustfmt and clippy (warnings are errors)
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

test-rust: deps ## Rust unit and integration tests
	cargo test --workspace

test: deps lint test-rust ## Everything CI runs

demo: ## Sign up a demo user on ./plinto.db, enroll TOTP and print the QR code
	cargo run --quiet -p plinto-mfa-core --example demo

clean: ## Remove build output
	cargo clean
