// wasm-kms for browsers, initialised by the caller: `import init, { Kms } from 'wasm-kms/web'`,
// then `await init()` (or `init({ module_or_path: url })` for a .wasm file served elsewhere)
// before the first `new Kms()`. The wasm module is pkg/web (wasm-pack's web target); the entry
// `wasm-kms` for browsers (browser.mjs) is this one, initialised on import.
import initWasm, { registerErrorClasses } from './web/wasm_kms.js';
import * as errors from './errors.mjs';

export { Kms } from './web/wasm_kms.js';
export * from './errors.mjs';

/**
 * Fetches and instantiates the wasm module (by default `web/wasm_kms_bg.wasm` beside this
 * package's files), then registers the error classes. Calling it again does nothing more.
 */
export async function init(options) {
  await initWasm(options);
  registerErrorClasses(errors);
}

export default init;
