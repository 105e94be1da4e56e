// The store benchmark's fixture: a store of N keys and M audit events, filled once through the
// public API (in Node, on disk, 16 calls in flight) and kept as a backup under
// target/bench-fixtures/, beside the key IDs. Every later run restores it (Kms.restoreBackup, one
// write) into a data directory or an IndexedDB store instead of filling it again.
//
// The file's name carries a stamp of the sources that define what a backup holds (the record,
// journal, seal and backup formats: every file in src/persist/) and of this file's FORMAT, so a change there
// fills it again; a backup that does not restore is filled again too.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURE_PASSPHRASE } from './fixture-passphrase.js';
import { fillStore } from './store.js';

export { FIXTURE_PASSPHRASE };

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Raise to fill every fixture again. */
const FORMAT = 1;

function stamp(keys, events) {
  const h = createHash('sha256').update(`${FORMAT} ${keys} ${events}`);
  // Every source file under src/persist/, in a fixed order, so moving a file cannot break this.
  const dir = path.join(root, 'src', 'persist');
  const files = fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.rs')).sort();
  for (const name of files) h.update(name).update(fs.readFileSync(path.join(dir, name)));
  return h.digest('hex').slice(0, 16);
}

/** Writes `bytes` to `file` whole or not at all. */
function writeWhole(file, bytes) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

/**
 * The fixture's files for `keys` keys and `events` events, filled now if there are none yet:
 * `{ backup, ids, filledSeconds? }` (`backup` and `ids` are paths; `filledSeconds` only when it
 * was filled in this run). `Kms` is pkg/node's.
 */
export async function storeFixture({ Kms, keys, events, onProgress = () => {}, refill = false }) {
  const dir = path.join(root, 'target', 'bench-fixtures');
  const base = path.join(dir, `store-${keys}-${events}-${stamp(keys, events)}`);
  const backup = `${base}.bak`;
  const ids = `${base}.ids.json`;
  if (!refill && fs.existsSync(backup) && fs.existsSync(ids)) return { backup, ids };
  fs.mkdirSync(dir, { recursive: true });
  const work = fs.mkdtempSync(path.join(tmpdir(), 'wasm-kms-fixture-'));
  try {
    const t0 = performance.now();
    const keyIds = await fillStore({ open: () => Kms.open({ dataDir: work }), keys, events, onProgress });
    const kms = await Kms.open({ dataDir: work });
    const bytes = await kms.exportBackup(FIXTURE_PASSPHRASE);
    await kms.close();
    const filledSeconds = (performance.now() - t0) / 1000;
    writeWhole(ids, JSON.stringify(keyIds));
    writeWhole(backup, bytes);
    // Fixtures of this size under an older stamp (over 100 MB each) go.
    const prefix = `store-${keys}-${events}-`;
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      if (name.startsWith(prefix) && file !== backup && file !== ids) fs.rmSync(file, { force: true });
    }
    return { backup, ids, filledSeconds };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Restores the fixture into what `options` name (`{ dataDir }`), filling it again first if its
 * backup does not restore. Returns `{ ids, filledSeconds?, restoredSeconds }`.
 */
export async function restoreFixture({ Kms, keys, events, options, onProgress = () => {} }) {
  let fixture = await storeFixture({ Kms, keys, events, onProgress });
  const restore = async () => {
    const t0 = performance.now();
    const kms = await Kms.restoreBackup(fs.readFileSync(fixture.backup), FIXTURE_PASSPHRASE, options);
    await kms.close();
    return (performance.now() - t0) / 1000;
  };
  let restoredSeconds;
  try {
    restoredSeconds = await restore();
  } catch (e) {
    if (fixture.filledSeconds !== undefined) throw e;
    onProgress(`the kept fixture does not restore (${e.message}): filling it again`);
    if (options.dataDir) fs.rmSync(options.dataDir, { recursive: true, force: true });
    fixture = await storeFixture({ Kms, keys, events, onProgress, refill: true });
    restoredSeconds = await restore();
  }
  const ids = JSON.parse(fs.readFileSync(fixture.ids, 'utf8'));
  return { ids, filledSeconds: fixture.filledSeconds, restoredSeconds };
}
