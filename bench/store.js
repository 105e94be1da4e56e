// The store benchmark's measuring code, shared by Node (bench/store.mjs, on disk) and the browser
// (bench/store.html, IndexedDB). Plain ES module: no Node or DOM APIs.
//
// 1. Fill a store through the API: `keys` CreateKey calls, then Encrypt calls until the trail
//    holds `events` events (every call is committed on its own, as an application would).
// 2. Open it again and time Kms.open plus the first operation (an Encrypt): what a user waits
//    for (target: at most 300 ms with 10,000 keys and 100,000 events).
// 3. CreateKey and Encrypt per second on the persistent store beside an in-memory one, in the
//    same run, rounds alternating.
import { median } from './lib.js';

const now = () => globalThis.performance.now();

export async function runStoreBench({ Kms, open, keys, events, roundMs = 500, rounds = 5, onProgress = () => {} }) {
  const plaintext = new Uint8Array(64).fill(7);
  const fillStart = now();
  let kms = await open();
  const ids = [];
  for (let i = 0; i < keys; i += 1) {
    // eslint-disable-next-line no-await-in-loop
    ids.push((await kms.createKey({ Description: `bench key ${i}` })).KeyMetadata.KeyId);
    if (i % 1000 === 0) onProgress(`filling: ${i} keys`);
  }
  for (let i = keys; i < events; i += 1) {
    // eslint-disable-next-line no-await-in-loop
    await kms.encrypt({ KeyId: ids[i % ids.length], Plaintext: plaintext });
    if (i % 5000 === 0) onProgress(`filling: ${i} events`);
  }
  await kms.close();
  const fillSeconds = (now() - fillStart) / 1000;

  const opens = [];
  for (let r = 0; r < 3; r += 1) {
    onProgress(`opening (${r + 1} of 3)`);
    const t0 = now();
    // eslint-disable-next-line no-await-in-loop
    kms = await open();
    // eslint-disable-next-line no-await-in-loop
    await kms.encrypt({ KeyId: ids[0], Plaintext: plaintext });
    opens.push(now() - t0);
    // eslint-disable-next-line no-await-in-loop
    await kms.close();
  }

  const stored = await open();
  const memory = new Kms();
  const memKey = (await memory.createKey({})).KeyMetadata.KeyId;
  const rate = async (fn) => {
    let n = 0;
    const t0 = now();
    while (now() - t0 < roundMs) {
      // eslint-disable-next-line no-await-in-loop
      await fn();
      n += 1;
    }
    return (n * 1000) / (now() - t0);
  };
  const r = { encStored: [], encMemory: [], createStored: [], createMemory: [] };
  for (let i = 0; i < rounds; i += 1) {
    onProgress(`throughput round ${i + 1} of ${rounds}`);
    /* eslint-disable no-await-in-loop */
    r.encStored.push(await rate(() => stored.encrypt({ KeyId: ids[1], Plaintext: plaintext })));
    r.encMemory.push(await rate(() => memory.encrypt({ KeyId: memKey, Plaintext: plaintext })));
    r.createStored.push(await rate(() => stored.createKey({})));
    r.createMemory.push(await rate(() => memory.createKey({})));
    /* eslint-enable no-await-in-loop */
  }
  await stored.close();
  const m = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, median(v)]));
  return { keys, events, fillSeconds, opens, ...m };
}

/** The figures as lines, each starting with `label`. */
export function formatStoreLines(run, label, store) {
  const open = median(run.opens);
  return [
    `${label} ${store}: filled with ${run.keys} keys and ${run.events} audit events in ${run.fillSeconds.toFixed(1)} s`,
    `${label} ${store}: open + first Encrypt: median ${open.toFixed(0)} ms of ${run.opens.map((t) => t.toFixed(0)).join(', ')} (target <= 300 ms: ${open <= 300 ? 'met' : 'NOT met'})`,
    `${label} ${store}: Encrypt 64 B ${run.encStored.toFixed(0)} ops/s | in memory ${run.encMemory.toFixed(0)} ops/s | ${(run.encStored / run.encMemory).toFixed(2)}x`,
    `${label} ${store}: CreateKey ${run.createStored.toFixed(0)} ops/s | in memory ${run.createMemory.toFixed(0)} ops/s | ${(run.createStored / run.createMemory).toFixed(2)}x`,
  ];
}
