// Declarations of `wasm-kms/web` (web.mjs): the main entry's, and `init`.
import type { InitInput } from './web/wasm_kms.js';

export * from './index.js';

/**
 * Fetches and instantiates the wasm module, by default `web/wasm_kms_bg.wasm` beside the package's
 * files, and registers the error classes; call it (once is enough) before the first `new Kms()`.
 */
export declare function init(options?: { module_or_path: InitInput | Promise<InitInput> }): Promise<void>;
export default init;
