// The browser entry of wasm-kms (plain pages and bundlers): web.mjs, initialised on import with
// a top-level `await`, so `import { Kms } from 'wasm-kms'` is ready to use. The wasm file is
// fetched from `web/wasm_kms_bg.wasm` beside this package's files, through `new URL(...,
// import.meta.url)`, which Vite and webpack 5 follow and copy into their output.
import { init } from './web.mjs';

export { Kms } from './web.mjs';
export * from './errors.mjs';

await init();
