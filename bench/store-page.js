// Browser side of the store benchmark: bench/store.html loads this; bench/store-browser.mjs drives
// it headless and hands it the fixture (a backup of a filled store, bench/fixture.mjs) at
// /bench/fixture/; opened by hand, with no fixture there, the page fills the store through the
// API. The result is left in window.__store = { done, run, fixture | error }.
// Options: ?keys=N&events=N&round-ms=MS&rounds=N&pkg=URL (another build of the web target).
import { FIXTURE_PASSPHRASE } from './fixture-passphrase.js';
import { fillStore, formatStoreLines, runStoreBench } from './store.js';

const status = document.getElementById('status');
const out = document.getElementById('results');
window.__store = { done: false };
const onProgress = (m) => { status.textContent = m; };

try {
  const params = new URLSearchParams(window.location.search);
  const num = (name, fallback) => Number(params.get(name) ?? fallback);
  const { default: init, Kms } = await import(params.get('pkg') ?? '/pkg/web/wasm_kms.js');
  await init();
  const name = `bench-${Date.now()}`;
  const open = () => Kms.open({ indexedDb: name });
  const fixture = { keys: num('keys', 10_000), events: num('events', 100_000) };
  let ids;
  const given = await fetch('/bench/fixture/ids.json');
  if (given.ok) {
    ids = await given.json();
    const backup = new Uint8Array(await (await fetch('/bench/fixture/store.bak')).arrayBuffer());
    onProgress('restoring the fixture');
    const t0 = performance.now();
    await (await Kms.restoreBackup(backup, FIXTURE_PASSPHRASE, { indexedDb: name })).close();
    fixture.restoredSeconds = (performance.now() - t0) / 1000;
  } else {
    const t0 = performance.now();
    ids = await fillStore({ open, keys: fixture.keys, events: fixture.events, onProgress });
    fixture.filledSeconds = (performance.now() - t0) / 1000;
  }
  const run = await runStoreBench({
    Kms, open, ids, roundMs: num('round-ms', 500), rounds: num('rounds', 5), onProgress,
  });
  await new Promise((ok) => { const r = indexedDB.deleteDatabase(`wasm-kms:${name}`); r.onsuccess = ok; r.onerror = ok; r.onblocked = ok; });
  out.textContent = formatStoreLines(run, 'browser', 'IndexedDB', fixture).join('\n');
  status.textContent = 'Done.';
  window.__store = { done: true, run, fixture };
} catch (err) {
  status.textContent = `Failed: ${err && err.stack ? err.stack : err}`;
  window.__store = { done: true, error: String(err && err.stack ? err.stack : err) };
}
