#!/usr/bin/env bash
# Installs what the project needs, idempotently: each step is skipped when its tool is already
# there at the right version. `setup.sh serve` installs what serving the web UI needs;
# `setup.sh test` adds the browsers, the npm packages and the fuzzer that the tests need.
# See ../shared/TOOLCHAIN.md for why each step is done the way it is.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_PACK_VERSION=0.15.1
# The wasm-bindgen CLI must equal the wasm-bindgen crate pinned in Cargo.toml.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)
CARGO_FUZZ_VERSION=0.13.1
CARGO_DENY_VERSION=0.20.2
# The real AWS clients the local endpoint is tested with (tests/py), in a venv of their own.
# This AWS CLI release is the one built on the same botocore (1.43.11) as this boto3.
BOTO3_VERSION=1.43.11
AWSCLI_VERSION=1.45.11
PY_VENV=.tools/py
# The baseline of bench/endpoint.mjs, the most used local KMS mock, in a venv of its own.
MOTO_VERSION=5.2.5
MOTO_VENV=.tools/moto
what=${1:-test}

say() { printf '[setup] %s\n' "$*"; }
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"

command -v cargo >/dev/null || { say "cargo is missing: install Rust with rustup first"; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack $WASM_PACK_VERSION" ]; then
  say "installing wasm-pack $WASM_PACK_VERSION (about 2 minutes)"
  cargo install --locked wasm-pack --version "$WASM_PACK_VERSION"
fi

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  # Not --locked: its lockfile wants a webpki-roots version the registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (binaryen's wasm-opt for the build; Playwright and TypeScript for tests)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$what" = serve ]; then
  exit 0
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  say "installing Chromium and ChromeDriver from Debian"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

if [ "$("$PY_VENV/bin/python" -c 'import boto3, awscli; print(boto3.__version__, awscli.__version__)' 2>/dev/null)" \
    != "$BOTO3_VERSION $AWSCLI_VERSION" ]; then
  if ! python3 -m venv --help >/dev/null 2>&1; then
    say "installing Python's venv module from Debian"
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
  fi
  say "installing boto3 $BOTO3_VERSION and the AWS CLI $AWSCLI_VERSION into $PY_VENV (PyPI)"
  rm -rf "$PY_VENV"
  python3 -m venv "$PY_VENV"
  "$PY_VENV/bin/pip" install --quiet --disable-pip-version-check \
    "boto3==$BOTO3_VERSION" "awscli==$AWSCLI_VERSION"
fi
if [ "$("$MOTO_VENV/bin/python" -c 'import moto; print(moto.__version__)' 2>/dev/null)" != "$MOTO_VERSION" ]; then
  say "installing moto[server] $MOTO_VERSION into $MOTO_VENV (PyPI), the baseline of bench/endpoint.mjs"
  rm -rf "$MOTO_VENV"
  python3 -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi

if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
  say "installing cargo-deny $CARGO_DENY_VERSION (about 4 minutes)"
  cargo install --locked cargo-deny --version "$CARGO_DENY_VERSION"
fi
