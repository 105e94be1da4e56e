// Node benchmark of the on-disk store (Kms.open({ dataDir })): see bench/store.js for what it
// measures. Prints figures, asserts nothing.
// Run: node bench/store.mjs [--keys N] [--events N] [--round-ms MS] [--rounds N] [--pkg DIR]
// (`--pkg` names another build of the nodejs target than pkg/node, to compare builds).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { flag } from './cli.mjs';
import { restoreFixture } from './fixture.mjs';
import { formatStoreLines, runStoreBench } from './store.js';

const pkg = resolve(flag('pkg') ?? new URL('../pkg/node', import.meta.url).pathname);
const { Kms } = createRequire(import.meta.url)(join(pkg, 'wasm_kms.js'));
const work = mkdtempSync(join(tmpdir(), 'wasm-kms-bench-'));
const dataDir = join(work, 'store');
const tty = process.stderr.isTTY;
const onProgress = (m) => { if (tty) process.stderr.write(`  ${m}    \r`); };
try {
  const keys = Number(flag('keys') ?? 10_000);
  const events = Number(flag('events') ?? 100_000);
  const fixture = await restoreFixture({ Kms, keys, events, options: { dataDir }, onProgress });
  const run = await runStoreBench({
    Kms,
    open: () => Kms.open({ dataDir }),
    ids: fixture.ids,
    roundMs: Number(flag('round-ms') ?? 500),
    rounds: Number(flag('rounds') ?? 5),
    onProgress,
  });
  if (tty) process.stderr.write(`${' '.repeat(40)}\r`);
  console.log(`node ${process.version}, on-disk store in a temporary directory`);
  for (const line of formatStoreLines(run, 'node', 'on disk', { keys, events, ...fixture })) console.log(line);
} finally {
  rmSync(work, { recursive: true, force: true });
}
