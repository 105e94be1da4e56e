// Shared measuring code of the benchmarks, loaded both by Node (bench/node.mjs, bench/browser.mjs)
// and by the page (bench/bench.js). Plain ES module, no dependencies, no Node or DOM APIs.
//
// What it measures, through the public JS API, all in one run and one wasm instance:
//   baseline         BenchAesGcm.seal(4 KB): bare AES-256-GCM (random nonce), a synchronous call
//   Encrypt          await kms.encrypt({KeyId, Plaintext: 4 KB})
//   Decrypt          await kms.decrypt({CiphertextBlob}) of a 4 KB plaintext's ciphertext
//   GenerateDataKey  await kms.generateDataKey({KeyId, KeySpec: 'AES_256'}): a 32-byte data key;
//                    "4 KB" does not apply (NumberOfBytes is at most 1024), so it has no target.
//   Encrypt (authz)  Encrypt 4 KB by a role with 10 identity policies, on a key whose policy has
//                    20 statements with conditions and which has 100 grants (issue 13's case);
//                    the difference from Encrypt is the decision's cost per call.
// After a warm-up, every round measures each operation for `roundMs` in turn (the order rotating
// between rounds so drift hits all alike), and the figures reported are medians over the rounds.

export const PLAINTEXT_BYTES = 4096;
export const TARGET_RATIO = 0.5;
export const DEFAULTS = Object.freeze({ rounds: 7, roundMs: 300, warmupMs: 1200 });

/** Options from a lookup (CLI flag or URL parameter name -> string | undefined), with defaults. */
export function optionsFrom(lookup) {
  const num = (name, fallback) => {
    const v = lookup(name);
    if (v === undefined || v === null || v === '') return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`bad value for ${name}: ${v}`);
    return n;
  };
  return {
    rounds: Math.round(num('rounds', DEFAULTS.rounds)),
    roundMs: num('round-ms', DEFAULTS.roundMs),
    warmupMs: num('warmup-ms', DEFAULTS.warmupMs),
  };
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const now = () => globalThis.performance.now();
const yieldToEventLoop = () => new Promise((ok) => { setTimeout(ok, 0); });

/**
 * Operations per second of `fn` over about `ms` milliseconds. Calls run in batches, the clock read
 * once per batch; batches grow until one takes about 5 ms. `sync` calls are not awaited.
 */
async function opsPerSecond(fn, sync, ms) {
  let batch = 1;
  let count = 0;
  const start = now();
  let t = start;
  while (t - start < ms) {
    const b0 = t;
    if (sync) {
      for (let i = 0; i < batch; i += 1) fn();
    } else {
      // eslint-disable-next-line no-await-in-loop
      for (let i = 0; i < batch; i += 1) await fn();
    }
    count += batch;
    t = now();
    if (t - b0 < 5) batch *= 2;
  }
  return (count * 1000) / (t - start);
}

function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Runs the benchmark. `Kms` and `BenchAesGcm` are the classes of a loaded benchmark build
 * (bench/pkg/node or bench/pkg/web). `onProgress(text)` is told of each step. Returns plain JSON data.
 */
export async function runBench({ Kms, BenchAesGcm, rounds, roundMs, warmupMs, onProgress = () => {} }) {
  const kms = new Kms({ region: 'us-east-1', account: '111122223333' });
  const aes = new BenchAesGcm();
  const { KeyMetadata } = await kms.createKey({ Description: 'benchmark' });
  const KeyId = KeyMetadata.KeyId;
  const plaintext = new Uint8Array(PLAINTEXT_BYTES);
  globalThis.crypto.getRandomValues(plaintext);

  const { CiphertextBlob } = await kms.encrypt({ KeyId, Plaintext: plaintext });
  const back = await kms.decrypt({ CiphertextBlob });
  if (!bytesEqual(back.Plaintext, plaintext)) throw new Error('Decrypt did not return the plaintext');
  if (aes.seal(plaintext).length !== PLAINTEXT_BYTES + 16) throw new Error('unexpected AES-GCM output length');
  const dk = await kms.generateDataKey({ KeyId, KeySpec: 'AES_256' });
  if (dk.Plaintext.length !== 32) throw new Error('GenerateDataKey AES_256 did not return 32 bytes');

  const authz = await authzCase(kms, plaintext);

  const ops = [
    { id: 'baseline', name: 'AES-GCM 4KB', sync: true, fn: () => aes.seal(plaintext) },
    { id: 'encryptAuthz', name: 'Encrypt 4KB (authz)', sync: false, fn: authz.encrypt },
    { id: 'encrypt', name: 'Encrypt 4KB', sync: false, fn: () => kms.encrypt({ KeyId, Plaintext: plaintext }) },
    { id: 'decrypt', name: 'Decrypt 4KB', sync: false, fn: () => kms.decrypt({ CiphertextBlob }) },
    {
      id: 'generateDataKey',
      name: 'GenerateDataKey AES_256',
      sync: false,
      fn: () => kms.generateDataKey({ KeyId, KeySpec: 'AES_256' }),
    },
  ];

  onProgress(`warm-up ${warmupMs} ms`);
  for (const op of ops) {
    // eslint-disable-next-line no-await-in-loop
    await opsPerSecond(op.fn, op.sync, warmupMs / ops.length);
    // eslint-disable-next-line no-await-in-loop
    await yieldToEventLoop();
  }

  const samples = Object.fromEntries(ops.map((op) => [op.id, []]));
  for (let r = 0; r < rounds; r += 1) {
    onProgress(`round ${r + 1}/${rounds}`);
    for (let i = 0; i < ops.length; i += 1) {
      const op = ops[(i + r) % ops.length];
      // eslint-disable-next-line no-await-in-loop
      samples[op.id].push(await opsPerSecond(op.fn, op.sync, roundMs));
      // eslint-disable-next-line no-await-in-loop
      await yieldToEventLoop();
    }
  }
  aes.free();
  kms.free();

  const results = {};
  for (const op of ops) {
    const s = samples[op.id];
    results[op.id] = { name: op.name, median: median(s), min: Math.min(...s), max: Math.max(...s), samples: s };
  }
  const base = results.baseline.median;
  for (const id of ['encrypt', 'decrypt', 'generateDataKey', 'encryptAuthz']) results[id].ratio = results[id].median / base;
  // The decision's cost: the time an authorized call takes beyond the root's Encrypt.
  const decisionMicros = (1e6 / results.encryptAuthz.median) - (1e6 / results.encrypt.median);
  return {
    plaintextBytes: PLAINTEXT_BYTES, rounds, roundMs, warmupMs, targetRatio: TARGET_RATIO, results,
    authz: { ...authz.shape, decisionMicros },
  };
}

/**
 * Issue 13's authorization case: a role with 10 identity policies, a key whose policy has 20
 * statements with conditions, 100 grants on it (where the build has CreateGrant); returns the
 * role's Encrypt of `plaintext` and the case's shape.
 */
async function authzCase(kms, plaintext) {
  const account = '111122223333';
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: account }, Action: 'sts:AssumeRole' }] };
  const { Role } = await kms.iam('CreateRole', { RoleName: 'bench', AssumeRolePolicyDocument: JSON.stringify(trust) });
  for (let i = 0; i < 10; i += 1) {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        { Sid: `Use${i}`, Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: `arn:aws:kms:us-east-1:${account}:key/*`,
          Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' }, Bool: { 'aws:SecureTransport': 'false' } } },
        { Sid: `NoDelete${i}`, Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' },
      ],
    };
    // eslint-disable-next-line no-await-in-loop
    await kms.iam('PutRolePolicy', { RoleName: 'bench', PolicyName: `bench-${i}`, PolicyDocument: JSON.stringify(doc) });
  }
  const statements = [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }];
  for (let i = 1; i < 20; i += 1) {
    statements.push(i % 2
      ? { Sid: `Deny${i}`, Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*',
        Condition: { StringEquals: { [`kms:EncryptionContext:blocked${i}`]: 'yes' } } }
      : { Sid: `Allow${i}`, Effect: 'Allow', Principal: { AWS: Role.Arn }, Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: '*',
        Condition: { StringLike: { 'kms:EncryptionContext:app': `app-${i}-*` }, NumericLessThan: { 'aws:EpochTime': '4102444800' } } });
  }
  const { KeyMetadata } = await kms.createKey({ Description: 'authz benchmark', Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) });
  let grants = 0;
  if (typeof kms.createGrant === 'function') {
    for (; grants < 100; grants += 1) {
      // eslint-disable-next-line no-await-in-loop
      await kms.createGrant({ KeyId: KeyMetadata.KeyId, GranteePrincipal: Role.Arn, Operations: ['Decrypt'],
        Constraints: { EncryptionContextSubset: { grant: String(grants) } } });
    }
  }
  const role = kms.as({ principal: Role.Arn });
  const request = { KeyId: KeyMetadata.KeyId, Plaintext: plaintext };
  await role.encrypt(request);
  return { encrypt: () => role.encrypt(request), shape: { keyPolicyStatements: 20, identityPolicies: 10, grants } };
}

const fmt = (n) => String(Math.round(n));

/** The report lines of one run, each starting with `label` (for example "node" or "browser"). */
export function formatLines(run, label) {
  const L = label.padEnd(8);
  const { results: r, targetRatio } = run;
  const base = `AES-GCM 4KB: ${fmt(r.baseline.median)} ops/s`;
  const lines = [];
  for (const id of ['encrypt', 'decrypt']) {
    const met = r[id].ratio >= targetRatio ? 'met' : 'NOT met';
    lines.push(`${L}${r[id].name}: ${fmt(r[id].median)} ops/s | ${base} | ratio ${r[id].ratio.toFixed(2)} `
      + `(target >= ${targetRatio}: ${met})`);
  }
  if (r.encryptAuthz) {
    const met = r.encryptAuthz.ratio >= targetRatio ? 'met' : 'NOT met';
    const a = run.authz;
    lines.push(`${L}${r.encryptAuthz.name}: ${fmt(r.encryptAuthz.median)} ops/s | ${base} | ratio ${r.encryptAuthz.ratio.toFixed(2)} `
      + `(target >= ${targetRatio}: ${met}) | a role with ${a.identityPolicies} identity policies, ${a.keyPolicyStatements} key policy statements, `
      + `${a.grants} grants: the decision costs ${a.decisionMicros.toFixed(1)} us per call`);
  }
  lines.push(`${L}${r.generateDataKey.name}: ${fmt(r.generateDataKey.median)} ops/s | ${base} | ratio `
    + `${r.generateDataKey.ratio.toFixed(2)} (32-byte key: no 4 KB form, no target)`);
  lines.push(`${L}medians of ${run.rounds} rounds x ${run.roundMs} ms after ${run.warmupMs} ms warm-up; `
    + `spread min..max ops/s: ${Object.values(r).map((x) => `${x.name.split(' ')[0]} ${fmt(x.min)}..${fmt(x.max)}`).join(', ')}`);
  return lines;
}

/** True when every targeted ratio (Encrypt, Decrypt) is met. */
export function targetsMet(run) {
  return ['encrypt', 'decrypt', 'encryptAuthz'].every((id) => run.results[id].ratio >= run.targetRatio);
}
