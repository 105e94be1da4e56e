#!/usr/bin/env bash
# Runs every check and test of the project: the README's test command (`npm test`) runs this,
# and CI runs it through .ci/run. It first installs whatever is missing (.ci/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

started=$(date +%s)
# Each step is printed with the seconds since the start, so a slow step shows itself.
step() { printf '\n=== [%s s] %s\n' "$(( $(date +%s) - started ))" "$*"; }

step "set-up"
bash .ci/setup.sh test

step "formatting and lints (native and wasm32)"
cargo fmt --all -- --check
cargo clippy --all-targets --locked -- -D warnings
# With the benchmark-only exports too (a feature only adds code).
cargo clippy --all-targets --locked --target wasm32-unknown-unknown --features bench -- -D warnings

step "dependencies: licences, bans, sources (deny.toml; advisories need GitHub, see there)"
cargo deny --log-level error check licenses bans sources

step "native tests (cargo test: unit, integration, property and doc tests)"
cargo test --locked

step "wasm-bindgen tests in Node"
WASM_BINDGEN_TEST_TIMEOUT=120 wasm-pack test --node -- --locked --test wasm_node

step "wasm-bindgen tests in headless Chromium"
CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
  wasm-pack test --headless --chrome -- --locked --test wasm_browser

step "release build of every target (wasm-pack.toml)"
bash .ci/build.sh all release

step "TypeScript declarations type-check (tsc --noEmit against pkg/web)"
npx --no-install tsc -p tests/types

step "the npm package: packed, installed in a fresh directory, used from Node ESM and CommonJS, Vite (build and dev server) and a plain page in Chromium, type-checked (tests/package)"
node tests/package/run.mjs

step "end-to-end: Playwright in headless Chromium against the served page"
node --test tests/e2e/

step "Node: Kms.open on disk killed with SIGKILL 30 times; the local endpoint with @aws-sdk/client-kms (tests/node)"
node --test tests/node/

step "the AWS SDK in process: pkg/sdk.mjs with @aws-sdk/client-kms in Node and in a Vite-built page in headless Chromium (tests/sdk)"
npx --no-install tsc -p tests/sdk
node --test tests/sdk/

step "the local endpoint with boto3 and the AWS CLI (tests/py)"
.tools/py/bin/python -m unittest discover -s tests/py -v

step "fuzzing every parser of untrusted bytes (${FUZZ_SECONDS:=10} s per target, fuzz/)"
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them. No
# sanitizer: the crate has no unsafe code, and without AddressSanitizer the targets run 3 to 7
# times as many inputs. The build (most of this step from a clean checkout; fuzz/Cargo.toml
# keeps it short) is done once; each target then starts from its committed seeds
# (fuzz/seeds/<target>) and keeps what it finds in fuzz/corpus/<target>.
mkdir -p target
fuzz() { RUSTC_BOOTSTRAP=1 cargo fuzz "$1" --fuzz-dir fuzz --sanitizer none "${@:2}"; }
fuzz build > target/fuzz-build.log 2>&1 || { tail -n 40 target/fuzz-build.log; exit 1; }
for t in $(cargo fuzz list --fuzz-dir fuzz); do
  mkdir -p "fuzz/corpus/$t"
  if ! fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- -max_total_time="$FUZZ_SECONDS" \
    -rss_limit_mb=2048 -timeout=60 > "target/fuzz-$t.log" 2>&1; then
    tail -n 60 "target/fuzz-$t.log"
    artifact=$(grep -o "fuzz/artifacts/$t/[^ ]*" "target/fuzz-$t.log" | tail -n 1)
    echo "the fuzz target $t found a failure: the input is ${artifact:-under fuzz/artifacts/$t/}"
    echo "(reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz --sanitizer none $t ${artifact:-<input>})"
    exit 1
  fi
  echo "--- $t"
  grep -E '^#[0-9]+' "target/fuzz-$t.log" | tail -n 2
  tail -n 1 "target/fuzz-$t.log"
done

step "benchmarks (figures, not pass/fail)"
# The benchmark build: the release build with BenchAesGcm, the bare AES-GCM baseline (bench/pkg).
bash .ci/build.sh bench release
node bench/node.mjs
node bench/store.mjs
node bench/browser.mjs
node bench/store-browser.mjs
node bench/endpoint.mjs

step "all checks passed in $(( $(date +%s) - started )) s"
