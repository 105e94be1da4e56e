// Browser side of the store benchmark: bench/store.html loads this; bench/browser.mjs drives it
// headless. The result is left in window.__store = { done, run | error }.
import init, { Kms } from '/pkg/web/wasm_kms.js';
import { formatStoreLines, runStoreBench } from './store.js';

const status = document.getElementById('status');
const out = document.getElementById('results');
window.__store = { done: false };

try {
  await init();
  const params = new URLSearchParams(window.location.search);
  const num = (name, fallback) => Number(params.get(name) ?? fallback);
  const name = `bench-${Date.now()}`;
  const run = await runStoreBench({
    Kms,
    open: () => Kms.open({ indexedDb: name }),
    keys: num('keys', 10_000),
    events: num('events', 100_000),
    roundMs: num('round-ms', 500),
    rounds: num('rounds', 5),
    onProgress: (m) => { status.textContent = m; },
  });
  await new Promise((ok) => { const r = indexedDB.deleteDatabase(`wasm-kms:${name}`); r.onsuccess = ok; r.onerror = ok; r.onblocked = ok; });
  out.textContent = formatStoreLines(run, 'browser', 'IndexedDB').join('\n');
  status.textContent = 'Done.';
  window.__store = { done: true, run };
} catch (err) {
  status.textContent = `Failed: ${err && err.stack ? err.stack : err}`;
  window.__store = { done: true, error: String(err && err.stack ? err.stack : err) };
}
