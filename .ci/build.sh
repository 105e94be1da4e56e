#!/usr/bin/env bash
# Builds the wasm-pack targets listed in wasm-pack.toml: all (but the benchmarks'), only `serve = true`
# ones, only `bench = true` ones (with their cargo features), or one by name.
# Usage: build.sh [all|serve|bench|<target name>] [release|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
profile=${2:-release}
# node_modules/.bin first: wasm-pack runs the wasm-opt of npm's binaryen@132 (see Cargo.toml).
export PATH="$PWD/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$HOME/.cargo/bin:$PATH"

targets=$(python3 - "$which" <<'PY'
import sys, tomllib
with open("wasm-pack.toml", "rb") as f:
    cfg = tomllib.load(f)
for t in cfg["target"]:
    bench = t.get("bench", False)
    if sys.argv[1] == "bench" and bench or not bench and (
        sys.argv[1] in ("all", t["name"]) or (sys.argv[1] == "serve" and t.get("serve"))
    ):
        print(t["name"], t["out-dir"], ",".join(t.get("features", [])))
PY
)
# The targets build side by side: cargo's lock lets one compile while the others wait for it,
# and then their wasm-bindgen and wasm-opt passes (about a minute each, on one core) overlap.
pids=()
while read -r name out features; do
  [ -n "$name" ] || continue
  printf '[build] wasm-pack %s -> %s (%s%s)\n' "$name" "$out" "$profile" "${features:+, features $features}"
  if [ "$profile" = release ] && [ ! -d target/wasm32-unknown-unknown/release ] && [ ${#pids[@]} -eq 0 ]; then
    echo '[build] the first release build compiles every crate with link-time optimization: about 4 minutes on 2 cores'
  fi
  (
    wasm-pack --quiet build --"$profile" --target "$name" --out-dir "$out" --no-pack \
      ${features:+-- --features "$features"}
    if [ "$name" = nodejs ]; then
      # The nodejs target is CommonJS; say so, or Node would read it as an ES module under the
      # workspace's "type": "module".
      printf '{ "type": "commonjs" }\n' > "$out/package.json"
    fi
  ) &
  pids+=("$!")
done <<< "$targets"
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit "$failed"
