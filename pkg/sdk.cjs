'use strict';
// `require('wasm-kms/sdk')`: sdk.mjs itself, an ES module required from CommonJS (Node 20.19 or
// later, 22.12 or later on Node 22; see "engines" in package.json), so there is one copy of the code.
const sdk = require('./sdk.mjs');

module.exports = { kmsRequestHandler: sdk.kmsRequestHandler, kmsClientConfig: sdk.kmsClientConfig };
