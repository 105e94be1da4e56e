// Node benchmark of the on-disk store (Kms.open({ dataDir })): see bench/store.js for what it
// measures. Prints figures, asserts nothing.
// Run: node bench/store.mjs [--keys N] [--events N] [--round-ms MS] [--rounds N]
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flag } from './cli.mjs';
import { formatStoreLines, runStoreBench } from './store.js';

const { Kms } = createRequire(import.meta.url)('../pkg/node/wasm_kms.js');
const dataDir = mkdtempSync(join(tmpdir(), 'wasm-kms-bench-'));
const tty = process.stderr.isTTY;
try {
  const run = await runStoreBench({
    Kms,
    open: () => Kms.open({ dataDir }),
    keys: Number(flag('keys') ?? 10_000),
    events: Number(flag('events') ?? 100_000),
    roundMs: Number(flag('round-ms') ?? 500),
    rounds: Number(flag('rounds') ?? 5),
    onProgress: (m) => { if (tty) process.stderr.write(`  ${m}    \r`); },
  });
  if (tty) process.stderr.write(`${' '.repeat(40)}\r`);
  console.log(`node ${process.version}, on-disk store in a temporary directory`);
  for (const line of formatStoreLines(run, 'node', 'on disk')) console.log(line);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
