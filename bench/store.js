// The store benchmark's measuring code, shared by Node (bench/store.mjs, on disk) and the browser
// (bench/store.html, IndexedDB). Plain ES module: no Node or DOM APIs.
//
// 1. A store of `keys` keys and `events` audit events: filled once through the API
//    (bench/fixture.mjs keeps it as a backup under target/ and restores it, one write, in every
//    later run; `fillStore` is how it is filled, with 16 calls in flight).
// 2. Kms.open plus the first operation (an Encrypt), timed three times: what a user waits for
//    (target: at most 300 ms with 10,000 keys and 100,000 events).
// 3. Encrypt and CreateKey per second on the persistent store beside an in-memory one, in the
//    same run, rounds alternating: with 16 calls in flight from one Kms (16 callers, each awaiting
//    its call before making the next: what group commit serves), and with one. The target is
//    Encrypt of 4 KB with 16 callers at 0.5 of the in-memory rate or more; Encrypt of 64 bytes is
//    shown beside it (its in-memory call is cheaper, while what is stored per call, the audit
//    event, is the same, so its ratio is lower).
import { median } from './lib.js';

const now = () => globalThis.performance.now();

/** The callers in flight in the concurrent figures. */
export const CALLERS = 16;
/** The plaintext of the Encrypt the target is for, and of the other one measured. */
export const PLAINTEXT_BYTES = 4096;
export const SMALL_BYTES = 64;
/** Persistent Encrypt of PLAINTEXT_BYTES with CALLERS callers, against in memory measured the same way. */
export const TARGET_RATIO = 0.5;

/** Runs `fn(i)` for i in 0..total with `callers` calls in flight. */
export async function inFlight(callers, total, fn) {
  let next = 0;
  const caller = async () => {
    while (next < total) {
      const i = next;
      next += 1;
      // eslint-disable-next-line no-await-in-loop
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
}

/**
 * Fills the store `open()` opens with `keys` keys (CreateKey) and Encrypt calls until its trail
 * holds `events` events, 16 calls in flight. Returns the key IDs.
 */
export async function fillStore({ open, keys, events, onProgress = () => {} }) {
  const plaintext = new Uint8Array(SMALL_BYTES).fill(7);
  const kms = await open();
  const ids = new Array(keys);
  await inFlight(CALLERS, keys, async (i) => {
    ids[i] = (await kms.createKey({ Description: `bench key ${i}` })).KeyMetadata.KeyId;
    if (i % 1000 === 0) onProgress(`filling: ${i} keys`);
  });
  await inFlight(CALLERS, Math.max(0, events - keys), async (i) => {
    await kms.encrypt({ KeyId: ids[i % ids.length], Plaintext: plaintext });
    if (i % 10000 === 0) onProgress(`filling: ${keys + i} events`);
  });
  await kms.close();
  return ids;
}

/** Operations per second of `fn` over `ms`, with `callers` calls in flight. */
async function rate(fn, callers, ms) {
  let n = 0;
  const t0 = now();
  const caller = async () => {
    while (now() - t0 < ms) {
      // eslint-disable-next-line no-await-in-loop
      await fn();
      n += 1;
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return (n * 1000) / (now() - t0);
}

/**
 * Times opening the store `open()` opens (which holds the keys `ids`), then the rates. Returns
 * plain JSON data.
 */
export async function runStoreBench({ Kms, open, ids, roundMs = 500, rounds = 5, onProgress = () => {} }) {
  const plaintext = new Uint8Array(PLAINTEXT_BYTES).fill(7);
  const small = new Uint8Array(SMALL_BYTES).fill(7);
  const opens = [];
  for (let r = 0; r < 3; r += 1) {
    onProgress(`opening (${r + 1} of 3)`);
    const t0 = now();
    // eslint-disable-next-line no-await-in-loop
    const kms = await open();
    // eslint-disable-next-line no-await-in-loop
    await kms.encrypt({ KeyId: ids[0], Plaintext: small });
    opens.push(now() - t0);
    // eslint-disable-next-line no-await-in-loop
    await kms.close();
  }

  const stored = await open();
  const memory = new Kms();
  const memKey = (await memory.createKey({})).KeyMetadata.KeyId;
  const cases = {
    encStored: [() => stored.encrypt({ KeyId: ids[1], Plaintext: plaintext }), CALLERS],
    encMemory: [() => memory.encrypt({ KeyId: memKey, Plaintext: plaintext }), CALLERS],
    smallStored: [() => stored.encrypt({ KeyId: ids[1], Plaintext: small }), CALLERS],
    smallMemory: [() => memory.encrypt({ KeyId: memKey, Plaintext: small }), CALLERS],
    smallStored1: [() => stored.encrypt({ KeyId: ids[1], Plaintext: small }), 1],
    smallMemory1: [() => memory.encrypt({ KeyId: memKey, Plaintext: small }), 1],
    createStored: [() => stored.createKey({}), CALLERS],
    createMemory: [() => memory.createKey({}), CALLERS],
    createStored1: [() => stored.createKey({}), 1],
    createMemory1: [() => memory.createKey({}), 1],
  };
  // A warm-up: the engine compiles the hot code, and the browser's database finishes writing a
  // store just restored, before anything is measured.
  onProgress('warming up');
  for (const [fn, callers] of Object.values(cases)) {
    // eslint-disable-next-line no-await-in-loop
    await rate(fn, callers, roundMs / 2);
  }
  const r = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < rounds; i += 1) {
    onProgress(`throughput round ${i + 1} of ${rounds}`);
    for (const [name, [fn, callers]] of Object.entries(cases)) {
      // eslint-disable-next-line no-await-in-loop
      r[name].push(await rate(fn, callers, roundMs));
    }
  }
  await stored.close();
  const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)]));
  return { keys: ids.length, opens, callers: CALLERS, ...m };
}

/**
 * The figures as lines, each starting with `label`. `fixture` says how the store was had:
 * `{ filledSeconds }` (filled through the API in this run) and/or `{ restoredSeconds }`.
 */
export function formatStoreLines(run, label, store, fixture) {
  const open = median(run.opens);
  const ops = (n) => Math.round(n).toLocaleString('en-US');
  const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
  const how = [];
  if (fixture.filledSeconds !== undefined) how.push(`filled through the API in ${fixture.filledSeconds.toFixed(1)} s`);
  else how.push('filled in an earlier run');
  if (fixture.restoredSeconds !== undefined) how.push(`restored from its backup in ${fixture.restoredSeconds.toFixed(1)} s`);
  const encRatio = run.encStored / run.encMemory;
  return [
    `${label} ${store}: ${fixture.keys} keys and ${fixture.events} audit events, ${how.join(', ')}`,
    `${label} ${store}: open + first Encrypt: median ${open.toFixed(0)} ms of ${run.opens.map((t) => t.toFixed(0)).join(', ')} (target <= 300 ms: ${open <= 300 ? 'met' : 'NOT met'})`,
    `${label} ${store}: Encrypt ${PLAINTEXT_BYTES / 1024} KB, ${run.callers} callers: ${ops(run.encStored)} ops/s | in memory ${ops(run.encMemory)} ops/s | ${ratio(run.encStored, run.encMemory)} (target >= ${TARGET_RATIO}: ${encRatio >= TARGET_RATIO ? 'met' : 'NOT met'})`,
    `${label} ${store}: Encrypt ${SMALL_BYTES} B, ${run.callers} callers: ${ops(run.smallStored)} ops/s | in memory ${ops(run.smallMemory)} ops/s | ${ratio(run.smallStored, run.smallMemory)}`,
    `${label} ${store}: Encrypt ${SMALL_BYTES} B, 1 caller: ${ops(run.smallStored1)} ops/s | in memory ${ops(run.smallMemory1)} ops/s | ${ratio(run.smallStored1, run.smallMemory1)}`,
    `${label} ${store}: CreateKey, ${run.callers} callers: ${ops(run.createStored)} ops/s | in memory ${ops(run.createMemory)} ops/s | ${ratio(run.createStored, run.createMemory)}`,
    `${label} ${store}: CreateKey, 1 caller: ${ops(run.createStored1)} ops/s | in memory ${ops(run.createMemory1)} ops/s | ${ratio(run.createStored1, run.createMemory1)}`,
  ];
}
