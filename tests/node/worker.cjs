// A child process for tests/node/crash.test.mjs: opens the store in a data directory and works
// on it until it is killed.
//
// Usage: node worker.cjs <dataDir> <mode> [seed] [run]
//   mode `ops`:  prints {"op":"opening"} and {"op":"ready"} around opening the store, then loops over CreateKey, CreateAlias, TagResource,
//                Encrypt, GenerateDataKey and advanceTime, printing one JSON line per
//                acknowledged operation (written synchronously, so a SIGKILL loses no line of an
//                operation that was acknowledged).
//   mode `hold`: prints {"op":"ready","pid":...} and keeps the store open until killed.
//   mode `try`:  tries to open the store once and prints {"op":"opened"} or {"op":"error",...}.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

// See crash.test.mjs: Node 20's V8 can abort when it deoptimizes inlined JS-to-Wasm calls.
require('node:v8').setFlagsFromString('--no-turbo-inline-js-wasm-calls');

const pkg = process.env.WASM_KMS_NODE_PKG || path.join(__dirname, '..', '..', 'pkg', 'node', 'wasm_kms.js');
const { Kms } = require(pkg);

const [dataDir, mode = 'ops', seedArg = '1', runArg = '0'] = process.argv.slice(2);

/** Writes one line to stdout before returning (a pipe write of under 4 KiB is atomic). */
const say = (obj) => fs.writeSync(1, JSON.stringify(obj) + '\n');

/** mulberry32: a small seeded PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const b64 = (u8) => Buffer.from(u8).toString('base64');

/**
 * Runs each operation once on an in-memory KMS: the first calls of a process compile the code
 * they run (a few hundred milliseconds), which would otherwise eat most of the time before the
 * kill.
 */
async function warmUp() {
  const mem = new Kms();
  const { KeyId } = (await mem.createKey()).KeyMetadata;
  await mem.createAlias({ AliasName: 'alias/warm', TargetKeyId: KeyId });
  await mem.tagResource({ KeyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] });
  const { CiphertextBlob } = await mem.encrypt({ KeyId, Plaintext: 'warm' });
  await mem.decrypt({ CiphertextBlob });
  await mem.generateDataKey({ KeyId, KeySpec: 'AES_256' });
  await mem.close();
}

async function ops() {
  const rand = prng(Number(seedArg));
  const run = Number(runArg);
  await warmUp();
  say({ op: 'opening' });
  const kms = await Kms.open({ dataDir });
  say({ op: 'ready', pid: process.pid });
  const keys = [];
  for (let n = 0; ; n++) {
    const pick = keys.length === 0 ? 0 : Math.floor(rand() * 7);
    const keyId = keys[Math.floor(rand() * keys.length)];
    switch (pick) {
      case 0: {
        const md = (await kms.createKey({ Description: `run ${run} key ${n}` })).KeyMetadata;
        keys.push(md.KeyId);
        say({ op: 'key', keyId: md.KeyId });
        break;
      }
      case 1: {
        const alias = `alias/r${run}-n${n}`;
        await kms.createAlias({ AliasName: alias, TargetKeyId: keyId });
        say({ op: 'alias', alias, keyId });
        break;
      }
      case 2: {
        const tagKey = `r${run}-n${n}`;
        const tagValue = `v${Math.floor(rand() * 1e9)}`;
        await kms.tagResource({ KeyId: keyId, Tags: [{ TagKey: tagKey, TagValue: tagValue }] });
        say({ op: 'tag', keyId, tagKey, tagValue });
        break;
      }
      case 3:
      case 4: {
        const plaintext = `secret ${run}/${n} ${Math.floor(rand() * 1e9)}`;
        const out = await kms.encrypt({ KeyId: keyId, Plaintext: plaintext });
        say({ op: 'ct', keyId, ciphertextB64: b64(out.CiphertextBlob), plaintext });
        break;
      }
      case 5: {
        const out = await kms.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' });
        say({ op: 'ct', keyId, ciphertextB64: b64(out.CiphertextBlob), plaintextB64: b64(out.Plaintext) });
        break;
      }
      case 6: {
        // The clock's offset: the one before this line or, if the kill came between the
        // store taking it and this line, the one announced.
        const ms = Math.floor(rand() * 86_400_000);
        const before = kms.now().getTime() - Date.now();
        say({ op: 'clock-intent', offset: before + ms });
        kms.advanceTime(ms);
        say({ op: 'clock', offset: kms.now().getTime() - Date.now() });
        break;
      }
    }
  }
}

async function hold() {
  const kms = await Kms.open({ dataDir });
  say({ op: 'ready', pid: process.pid, dataDir: kms.dataDir });
  setInterval(() => {}, 1 << 30);
}

async function tryOpen() {
  try {
    const kms = await Kms.open({ dataDir });
    say({ op: 'opened' });
    await kms.close();
  } catch (e) {
    say({ op: 'error', name: e.name, message: e.message });
  }
}

const main = { ops, hold, try: tryOpen }[mode];
if (!main) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
