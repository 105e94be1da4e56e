// Size of the release web module, raw and gzipped (node:zlib, level 9), against the bound issue 12 set:
// no larger than the module before the reshape of the core (777 KB gzipped).
// Run: node bench/size.mjs   (build first: bash .ci/build.sh all release). KB = 1024 bytes.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';

export const WASM = fileURLToPath(new URL('../pkg/web/wasm_kms_bg.wasm', import.meta.url));
export const TARGET_GZIP_KB = 777;

export function wasmSize(file = WASM) {
  const bytes = readFileSync(file);
  const gzip = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).length;
  return { file, raw: bytes.length, gzip, met: gzip <= TARGET_GZIP_KB * 1024 };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

export function sizeLines(size = wasmSize()) {
  return [
    `size    pkg/web/wasm_kms_bg.wasm: raw ${size.raw} bytes (${kb(size.raw)}) | gzip -9 ${size.gzip} bytes `
      + `(${kb(size.gzip)}) (target <= ${TARGET_GZIP_KB} KB gzipped: ${size.met ? 'met' : 'NOT met'})`,
  ];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const line of sizeLines()) console.log(line);
}
