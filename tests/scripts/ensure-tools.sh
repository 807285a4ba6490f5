#!/usr/bin/env bash
# Installs whatever sp-live's build and tests need on a fresh Debian machine, and
# does nothing (quickly) when everything is present. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '==> %s\n' "$*" >&2; }
want_bindgen=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# `make pkg` rebuilds the standard library for size (-Zbuild-std): it needs its source.
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  say "adding the rust-src component"
  rustup component add rust-src ||
    say "rust-src is unavailable: make pkg will build with the prebuilt std (a larger wasm)"
fi

# The CLI must match the crate exactly ("schema version" errors otherwise).
have_bindgen=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have_bindgen" != "$want_bindgen" ]; then
  say "installing wasm-bindgen-cli $want_bindgen (a few minutes, once)"
  cargo install wasm-bindgen-cli --version "$want_bindgen" --force
fi

if ! command -v wasm-pack >/dev/null 2>&1; then
  say "installing wasm-pack (a few minutes, once)"
  cargo install wasm-pack --locked
fi

missing=()
for tool in chromium:chromium chromedriver:chromium-driver curl:curl unzip:unzip gzip:gzip; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool##*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm trees from their lockfiles; reinstalled when the lockfile changes.
for dir in tests/fixtures tests/tools tests/react18 bench; do
  stamp="$dir/node_modules/.sp-live-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
done
