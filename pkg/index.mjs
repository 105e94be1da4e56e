// The Node entry of wasm-kms for `import`: index.cjs, so that `import` and `require` in one
// process get the same Kms class and the same error classes.
import node from './index.cjs';

export const { Kms } = node;
export * from './errors.mjs';
