'use strict';
// The Node entry of wasm-kms, for `require('wasm-kms')`; index.mjs re-exports it for `import`,
// so CommonJS and ES module code in one process share one KMS module and one set of error
// classes. The wasm module is pkg/node (wasm-pack's nodejs target), loaded synchronously.
const wasm = require('./node/wasm_kms.js');
// An ES module required from CommonJS: Node 20.19 or later (22.12 or later on Node 22).
const errors = require('./errors.mjs');

wasm.registerErrorClasses(errors);

module.exports = { Kms: wasm.Kms, ...errors };
