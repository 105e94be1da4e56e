// Node benchmark of the on-disk store (Kms.open({ dataDir })): how long opening a store that holds
// 10,000 keys and 100,000 audit events takes, up to the end of the first operation (target: at
// most 300 ms), and CreateKey and Encrypt per second with persistence on, beside the in-memory
// store in the same run. Prints figures, asserts nothing.
// Run: node bench/store.mjs [--keys N] [--events N] [--round-ms MS] [--rounds N]
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flag } from './cli.mjs';
import { median } from './lib.js';

const { Kms } = createRequire(import.meta.url)('../pkg/node/wasm_kms.js');
const KEYS = Number(flag('keys') ?? 10_000);
const EVENTS = Number(flag('events') ?? 100_000);
const ROUND_MS = Number(flag('round-ms') ?? 500);
const ROUNDS = Number(flag('rounds') ?? 5);
const now = () => performance.now();
const plaintext = new Uint8Array(64).fill(7);

const dataDir = mkdtempSync(join(tmpdir(), 'wasm-kms-bench-'));
try {
  console.log(`node ${process.version}, store in ${dataDir}: ${KEYS} keys, ${EVENTS} audit events`);

  // Fill the store through the API: every call is committed (and fsynced) on its own.
  const fillStart = now();
  let kms = await Kms.open({ dataDir });
  const ids = [];
  for (let i = 0; i < KEYS; i += 1) {
    // eslint-disable-next-line no-await-in-loop
    ids.push((await kms.createKey({ Description: `bench key ${i}` })).KeyMetadata.KeyId);
  }
  for (let i = KEYS; i < EVENTS; i += 1) {
    // eslint-disable-next-line no-await-in-loop
    await kms.encrypt({ KeyId: ids[i % ids.length], Plaintext: plaintext });
  }
  kms.close();
  const bytes = readdirSync(dataDir).reduce((n, f) => n + statSync(join(dataDir, f)).size, 0);
  console.log(`filled in ${((now() - fillStart) / 1000).toFixed(1)} s; ${(bytes / 1048576).toFixed(1)} MiB on disk`);

  // Open, then the first operation: the time a user waits.
  const opens = [];
  for (let r = 0; r < 3; r += 1) {
    const t0 = now();
    // eslint-disable-next-line no-await-in-loop
    kms = await Kms.open({ dataDir });
    // eslint-disable-next-line no-await-in-loop
    await kms.encrypt({ KeyId: ids[0], Plaintext: plaintext });
    opens.push(now() - t0);
    kms.close();
  }
  console.log(`open + first Encrypt, ${KEYS} keys / ${EVENTS} events: median ${median(opens).toFixed(0)} ms of ${opens.map((t) => t.toFixed(0)).join(', ')} (target: at most 300 ms)`);

  // Throughput, durable beside in-memory, rounds alternating.
  const durable = await Kms.open({ dataDir });
  const memory = new Kms();
  const memKey = (await memory.createKey({})).KeyMetadata.KeyId;
  const rate = async (fn) => {
    let n = 0;
    const t0 = now();
    while (now() - t0 < ROUND_MS) {
      // eslint-disable-next-line no-await-in-loop
      await fn();
      n += 1;
    }
    return (n * 1000) / (now() - t0);
  };
  const results = { createDisk: [], createMem: [], encDisk: [], encMem: [] };
  for (let r = 0; r < ROUNDS; r += 1) {
    /* eslint-disable no-await-in-loop */
    results.encDisk.push(await rate(() => durable.encrypt({ KeyId: ids[1], Plaintext: plaintext })));
    results.encMem.push(await rate(() => memory.encrypt({ KeyId: memKey, Plaintext: plaintext })));
    results.createDisk.push(await rate(() => durable.createKey({})));
    results.createMem.push(await rate(() => memory.createKey({})));
    /* eslint-enable no-await-in-loop */
  }
  durable.close();
  const m = (k) => median(results[k]);
  console.log(`Encrypt 64 B: on disk ${m('encDisk').toFixed(0)} ops/s, in memory ${m('encMem').toFixed(0)} ops/s (${(m('encDisk') / m('encMem')).toFixed(2)}x)`);
  console.log(`CreateKey: on disk ${m('createDisk').toFixed(0)} ops/s, in memory ${m('createMem').toFixed(0)} ops/s (${(m('createDisk') / m('createMem')).toFixed(2)}x)`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
