// The passphrase of the store benchmark's fixture backup (it holds nothing secret), shared by
// bench/fixture.mjs (Node) and bench/store-page.js (the page).
export const FIXTURE_PASSPHRASE = 'wasm-kms bench fixture';
