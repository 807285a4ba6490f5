# sp-live: `make demo` and `make test` do everything on a fresh machine.
SHELL := /bin/bash
export PATH := $(CURDIR)/tests/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
# wasm-pack must not try to download tools: the CLI is installed by ensure-tools.
export WASM_PACK_CACHE := $(CURDIR)/target/wasm-pack-cache

SUITE := tests/scripts/run-suite.sh

.PHONY: all test tools test-native test-lint test-fixtures test-browser test-size test-e2e test-sio-browser test-consumers test-types test-facade test-react test-probe probe-tenant pkg demo bench fuzz floor floor-build clean

all: test

## Install whatever is missing (fast when everything is present).
tools:
	@tests/scripts/ensure-tools.sh

## Every test suite, ending with an "N passed, M failed" line.
test: tools
	@rm -f target/test-logs/summary
	-@$(SUITE) lint $(MAKE) --no-print-directory test-lint
	-@$(SUITE) native cargo test --workspace --color never
	-@$(SUITE) fixtures $(MAKE) --no-print-directory test-fixtures
	-@$(SUITE) browser tests/scripts/with-servers.sh $(MAKE) --no-print-directory test-browser
	-@$(SUITE) size $(MAKE) --no-print-directory test-size
	-@$(SUITE) e2e $(MAKE) --no-print-directory test-e2e
	-@$(SUITE) sio-browser $(MAKE) --no-print-directory test-sio-browser
	-@$(SUITE) consumers $(MAKE) --no-print-directory test-consumers
	-@$(SUITE) types $(MAKE) --no-print-directory test-types
	-@$(SUITE) facade $(MAKE) --no-print-directory test-facade
	-@$(SUITE) react $(MAKE) --no-print-directory test-react
	-@$(SUITE) probe $(MAKE) --no-print-directory test-probe
	@tests/scripts/summary.sh

test-lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --color never -- -D warnings
	cargo clippy --lib --tests --target wasm32-unknown-unknown --color never -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --lib --target wasm32-unknown-unknown --document-private-items --color never
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --document-private-items --color never
	@# The bench is not run by CI: at least make sure its scripts parse.
	for f in bench/*.mjs bench/page/*.js bench/floor/*.mjs tests/tenant/*.mjs; do node --check "$$f" || exit 1; done
	@echo "lint: 1 passed, 0 failed"

test-native:
	cargo test --workspace

## The Node fixture servers' self-test (socket.io 2.0.4, 4.x, ws, the Entra ID stand-in).
test-fixtures:
	node tests/fixtures/check.js

## Browser tests (wasm-bindgen-test in headless Chromium); needs the servers:
## tests/scripts/with-servers.sh make test-browser
## The runner gives each test file 20 s unless told: the chaos run needs more.
test-browser:
	WASM_BINDGEN_TEST_TIMEOUT=180 wasm-pack test --headless --chrome

## The npm package in pkg/: release build, optimised by binaryen from npm, finished by
## tests/scripts/package.mjs (package.json, README, src/js facades). Skipped when no input
## changed since the last build (pkg/.built).
PKG_INPUTS := Makefile Cargo.toml Cargo.lock $(shell find src -type f 2>/dev/null) \
  tests/scripts/package.mjs tests/scripts/minify-names.mjs \
  tests/scripts/strip-comments.mjs tests/scripts/auto-init.mjs tests/scripts/keep-handles.mjs \
  tests/scripts/pkg-readme.md
## SIZE_STD=1 (the default when rust-src is installed) rebuilds the standard library for size, with panics as plain
## traps and no Debug formatting (nothing user-facing uses either): about 13 KB gzip less.
## These are unstable cargo/rustc options, enabled for this one build on the stable
## toolchain by RUSTC_BOOTSTRAP (rust-src is installed by `make tools`), in their own
## target directory. SIZE_STD=0 builds with the prebuilt standard library.
## -Zcross-crate-inline-threshold=always makes every function of std and the dependencies
## inlinable where it is used, as if all were #[inline] (no change of meaning): their code
## is generated in this crate and LLVM's inliner decides, -3.7 KB gzip (2026-11-26), with
## no change in make bench's latency, apply or load. (rustc's MIR inliner does not run in
## this build: -Zinline-mir=no gives a file of the same size to the byte.) (-Zmir-opt-level=3, whose passes rustc
## keeps off by default, saved 1.3 KB before this flag and costs 1.4 KB with it: not used.)
SIZE_STD ?= $(shell rustup component list --installed 2>/dev/null | grep -q '^rust-src' && echo 1 || echo 0)
ifeq ($(SIZE_STD),1)
PKG_ENV := RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$(CURDIR)/target/size-std \
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none -Zcross-crate-inline-threshold=always"
PKG_CARGO := . -- -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
endif
## binaryen: -Oz twice, and a function with one caller is inlined only up to 20 bytes
## (binaryen's default inlines any size): larger but more repetitive code that gzip
## packs about 2 KB smaller (measured on this package, 2026-11-26; see README). The
## producers and target-features sections are dropped (nothing reads them at runtime).
## --low-memory-unused lets binaryen fold constant offsets into loads and stores (-154 B
## gzip): Rust's wasm32 layout puts the stack first, growing down from 1 MiB, and data
## and the heap above it, so the low 1 KB is only reached by a stack overflow.
## --flatten --rereloop first rebuilds each function's control flow with binaryen's
## relooper before -Oz: -191 B gzip, no change in make bench's latency, apply or load.
WASM_OPT_FLAGS := -ocimfs=20 --low-memory-unused --flatten --rereloop -Oz -Oz --strip-producers --strip-target-features
## The tools come first and the build runs in a sub-make, which decides SIZE_STD once
## they are in: on a fresh machine `make demo` or `make pkg` installs rust-src and then
## builds for size, as `make test` does. The marker target/.size-std-N rebuilds pkg/
## when the mode changes (a pkg/ of the other mode would fail the size budget).
pkg: tools
	@$(MAKE) --no-print-directory pkg/.built
target/.size-std-$(SIZE_STD):
	@mkdir -p target && rm -f target/.size-std-* && touch $@
pkg/.built: $(PKG_INPUTS) target/.size-std-$(SIZE_STD)
	rm -rf pkg
	$(PKG_ENV) wasm-pack build --release --target web --out-dir pkg --no-opt $(PKG_CARGO)
	wasm-opt $(WASM_OPT_FLAGS) --enable-reference-types --enable-bulk-memory \
	  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
	  --enable-multivalue pkg/sp_live_bg.wasm -o pkg/sp_live_bg.wasm
	node tests/scripts/minify-names.mjs pkg
	node tests/scripts/strip-comments.mjs pkg
	node tests/scripts/auto-init.mjs pkg
	node tests/scripts/keep-handles.mjs pkg
	node tests/scripts/package.mjs pkg
	@printf 'pkg/sp_live_bg.wasm: %s bytes, %s gzip -9\n' \
	  "$$(stat -c %s pkg/sp_live_bg.wasm)" "$$(gzip -9c pkg/sp_live_bg.wasm | wc -c)"
	@touch $@

## Size regression check of pkg/ (budgets in tests/scripts/check-size.sh).
test-size: pkg
	@tests/scripts/check-size.sh

## Consumer builds (tests/consumers): plain ES module page, webpack 5 (with React), webpack 4,
## Vite, SPFx 1.22 (Node 22 from npm), SPFx 1.21 and 1.18 (gulp), and two copies of the SPFx
## 1.22 bundle on one page; each built against pkg/ and loaded in headless Chromium against
## sp-sim + sp-broadcaster. CONSUMERS=vite,spfx runs some; see tests/consumers/README.md.
test-consumers: pkg
	cargo build --quiet -p sp-sim -p sp-broadcaster
	node tests/consumers/run.mjs

## The demo: sp-sim + sp-broadcaster + www/ on http://127.0.0.1:8080/ until Ctrl-C.
## DEMO_ARGS="--edits" adds a stream of random edits; see `sp-demo --help` for ports.
demo: pkg
	cargo run --release -p sp-sim --bin sp-demo -- $(DEMO_ARGS)

## The tenant probe (tests/tenant/probe.mjs) against a real SharePoint site: sp-live in
## Node, end to end, on a list you name (SP_SITE, SP_LIST and SP_TOKEN, SP_TOKEN_CMD or
## SP_COOKIE; see README "Checking a real tenant"). Exchanges go to target/tenant-probe/.
probe-tenant: pkg
	node tests/tenant/probe.mjs

## The tenant probe's own test, against sp-sim.
test-probe: pkg
	cargo build --release -p sp-sim
	node tests/tenant/self-test.mjs

## End-to-end: the demo page in headless Chromium (playwright-core), screenshot in target/e2e/.
test-e2e: pkg
	cargo build --release -p sp-sim -p sp-broadcaster
	node tests/e2e/demo.test.mjs

## Real socket.io-client 2.0.4 and 4.8.1 browser bundles in headless Chromium against
## sp-broadcaster: a client that falls behind is cut off and reconnects (polling, upgraded).
test-sio-browser:
	cargo build --release -p sp-sim -p sp-broadcaster # as test-e2e: the same features, no rebuild
	node tests/e2e/sio-clients.test.mjs

## Typings: tsc --noEmit on tests/types/ (LiveList, Broadcaster, sp-live/seed, /react, /checkpoint)
## against pkg/*.d.ts, strict and SPFx-like; known gaps are listed, not failed.
test-types: pkg
	@cp src/js/seed.js src/js/seed.d.ts pkg/
	node tests/types/check.mjs

## The seed facade (sp-live/seed) in headless Chromium against sp-sim (127.0.0.1:21500) and
## sp-broadcaster (21400), page on 21080; logs in target/facade/.
test-facade: pkg
	cargo build --quiet -p sp-sim -p sp-broadcaster
	@cp src/js/seed.js src/js/seed.d.ts pkg/
	node tests/facade/facade.test.mjs

## sp-live/react's useLiveList with React 17 (SPFx's) in headless Chromium.
test-react: pkg
	cargo build --quiet -p sp-sim -p sp-broadcaster
	node tests/react/react.test.mjs

## Benchmarks, numbers not pass/fail (sizes, latency, round trips, apply cost, memory):
## sp-live vs the seed's JS stack in headless Chromium; writes bench/RESULTS.md (~5 min).
bench: pkg floor
	cargo build --release -p sp-sim -p sp-broadcaster
	node bench/run.mjs

## Coverage-guided fuzzing (tests/fuzz, libFuzzer through cargo-fuzz, nightly Rust) of what
## servers send: the JSON reader, SharePoint's answers, a connection and a change feed
## told anything. FUZZ_SECONDS per target (default 60); FUZZ_TARGETS to pick some.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= json sharepoint connection feed
fuzz:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
	@mkdir -p target/fuzz-logs
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $$t for $(FUZZ_SECONDS) s (log: target/fuzz-logs/$$t.log)"; \
	  cargo +nightly fuzz run -O --fuzz-dir tests/fuzz $$t -- -max_total_time=$(FUZZ_SECONDS) \
	    -max_len=4096 -len_control=10 > target/fuzz-logs/$$t.log 2>&1 \
	    || { tail -40 target/fuzz-logs/$$t.log; exit 1; }; \
	  grep '^Done' target/fuzz-logs/$$t.log; \
	done

## A lower bound for the wasm (bench/floor, reported by `make bench`): sp-live's sans-IO
## cores alone behind a C ABI, no browser layer, built and optimised as `make pkg` builds
## the package (binaryen also shortens the export names, as minify-names.mjs does there).
## bench/floor/smoke.mjs then drives it a little, to show it is a working build.
FLOOR_OUT := target
ifeq ($(SIZE_STD),1)
FLOOR_CARGO := -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size
FLOOR_OUT := target/size-std
endif
floor: tools
	@$(MAKE) --no-print-directory floor-build
floor-build:
	$(PKG_ENV) cargo build --release -p sp-live-floor --target wasm32-unknown-unknown $(FLOOR_CARGO)
	mkdir -p target/floor
	wasm-opt $(WASM_OPT_FLAGS) --strip-debug \
	  --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int \
	  --enable-sign-ext --enable-mutable-globals --enable-multivalue \
	  $(FLOOR_OUT)/wasm32-unknown-unknown/release/sp_live_floor.wasm -o target/floor/sp_live_floor.wasm
	node bench/floor/smoke.mjs target/floor/sp_live_floor.wasm
	wasm-opt --minify-imports-and-exports-and-modules --enable-reference-types --enable-bulk-memory \
	  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-multivalue \
	  target/floor/sp_live_floor.wasm -o target/floor/sp_live_floor.min.wasm >/dev/null

clean:
	cargo clean
	rm -rf pkg target/test-logs
