// The generator of the frozen IndexedDB fixtures of this folder: `idb.dump.json` (a store made
// by the browser build in headless Chromium, as the raw records of its object stores),
// `idb.backup` (its `exportBackup`), `idb-passphrase.dump.json` (a small store under a
// passphrase), and what each must still show (`*.expected.json`, `*.export.json`).
//
// THE FIXTURES ARE FROZEN. They were made once, by the code of their day, so that every later
// version is held to opening them. Never regenerate them to make a test pass. This script is
// kept to show how they were made; it is run by hand, never in CI, and writes only into an
// empty directory named by WASM_KMS_COMPAT_OUT:
//
//   bash .ci/build.sh web dev
//   WASM_KMS_COMPAT_OUT=/tmp/stores node tests/vectors/stores/make-idb.mjs
//
// It runs scenario.json (as tests/compat/generate.rs does for the on-disk stores) through
// `sendJson`, the AWS JSON 1.1 entry point, on the KMS clock set to the scenario's start (the
// clock then runs on in real time, so the stored dates are a few milliseconds later than in the
// on-disk stores), with the platform's RNG. One thing is captured that a browser store never
// gives out: the bytes of its root key, a non-extractable AES-GCM CryptoKey kept in the
// database. While the store is opened, `crypto.subtle.generateKey` is wrapped so that the key is
// made extractable, its bytes read, and a non-extractable copy handed to wasm-kms; the dump
// records those bytes, and the tests import them as a non-extractable CryptoKey again.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startServer } from '../../../.ci/serve.mjs';
import { launchChromium } from '../../../bench/cli.mjs';

const out = process.env.WASM_KMS_COMPAT_OUT;
if (!out) throw new Error('set WASM_KMS_COMPAT_OUT to an empty directory to write new fixtures into');
await mkdir(out, { recursive: true });
if ((await readdir(out)).some((f) => f.startsWith('idb'))) {
  throw new Error(`${out} holds IndexedDB fixtures already: fixtures are never overwritten`);
}
const scenario = JSON.parse(await readFile(new URL('./scenario.json', import.meta.url), 'utf8'));
const STORES = [
  { name: 'idb', scenario: 'full', backupPassphrase: 'compat fixture backup passphrase' },
  { name: 'idb-passphrase', scenario: 'small', passphrase: 'compat fixture store passphrase' },
];

/** Runs in the page: makes each store, dumps it, backs it up, records its checks. */
async function inPage({ scenario, stores }) {
  const { Kms } = await import('/pkg/browser.mjs');
  const subtle = crypto.subtle;
  const enc = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
  const dec = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const request = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });

  /** A string `${name.Member...}` stands for that member of the response saved as `name`. */
  const resolve = (v, saved) => {
    if (typeof v === 'string') {
      const m = /^\$\{(.+)\}$/.exec(v);
      if (!m) return v;
      const [first, ...rest] = m[1].split('.');
      if (!(first in saved)) throw new Error(`nothing saved as ${first}`);
      const found = rest.reduce((x, p) => x?.[p], saved[first]);
      if (found === undefined || found === null) throw new Error(`${v} is not in what was saved`);
      return found;
    }
    if (Array.isArray(v)) return v.map((x) => resolve(x, saved));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x, saved)]));
    return v;
  };
  const holds = (expect, got) => (expect && typeof expect === 'object' && !Array.isArray(expect)
    ? got && typeof got === 'object' && Object.entries(expect).every(([k, v]) => holds(v, got[k]))
    : JSON.stringify(expect) === JSON.stringify(got));
  const wire = async (kms, region, op, input) => {
    const r = await kms.sendJson(`TrentService.${op}`, JSON.stringify(input), region ? { region } : undefined);
    return [r.status, JSON.parse(r.body)];
  };

  const run = async (kms, plan) => {
    const saved = {};
    for (const step of plan.steps) {
      let result;
      if (step.call) {
        const input = resolve(step.input, saved);
        const [status, body] = await wire(kms, step.region, step.call, input);
        if (status !== 200) throw new Error(`${step.call} ${JSON.stringify(input)}: ${JSON.stringify(body)}`);
        result = body;
      } else if (step.advanceDays !== undefined) {
        kms.advanceDays(step.advanceDays);
        continue;
      } else if (step.compact) {
        continue; // IndexedDB folds its records into a snapshot by itself, past 1,000 of them.
      } else if (step.wrap) {
        const w = resolve(step.wrap, saved);
        const key = await subtle.importKey('spki', dec(w.publicKey), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
        const wrapped = await subtle.encrypt({ name: 'RSA-OAEP' }, key, dec(w.material));
        result = { EncryptedKeyMaterial: enc(new Uint8Array(wrapped)) };
      } else if (step.digest) {
        result = await kms.auditDigest();
      } else {
        throw new Error(`a step this store cannot take: ${JSON.stringify(step)}`);
      }
      if (step.as) saved[step.as] = result;
    }
    return saved;
  };

  const recordChecks = async (kms, plan, saved) => {
    const checks = [];
    for (const check of plan.checks) {
      const input = resolve(check.input, saved);
      const [status, response] = await wire(kms, check.region, check.call, input);
      if (check.expect && !holds(resolve(check.expect, saved), response)) {
        throw new Error(`${check.call} ${JSON.stringify(input)}: ${JSON.stringify(response)}`);
      }
      checks.push({ call: check.call, input, status, response, ...(check.region ? { region: check.region } : {}) });
    }
    return checks;
  };

  /** Every record of every object store of the database, typed. */
  const dump = async (database, rootRaw) => {
    const db = await request(indexedDB.open(database));
    const typed = (v) => {
      if (v instanceof Uint8Array) return { bytes: enc(v) };
      if (typeof v === 'number') return { number: v };
      if (typeof v === 'string') return { string: v };
      if (v instanceof CryptoKey && rootRaw) {
        return { cryptoKey: { format: 'raw', algorithm: v.algorithm.name, usages: v.usages, extractable: v.extractable, key: enc(rootRaw) } };
      }
      throw new Error(`a value of no kind the dump knows: ${Object.prototype.toString.call(v)}`);
    };
    const out = { database, version: db.version, stores: {} };
    for (const name of Array.from(db.objectStoreNames)) {
      const store = db.transaction(name).objectStore(name);
      if (store.keyPath !== null || store.autoIncrement) throw new Error(`${name} has in-line or generated keys`);
      const keys = await request(store.getAllKeys());
      const values = await request(db.transaction(name).objectStore(name).getAll());
      out.stores[name] = keys.map((k, i) => ({ key: typed(k), value: typed(values[i]) }));
    }
    db.close();
    return out;
  };

  const made = {};
  for (const s of stores) {
    const options = { indexedDb: `compat-fixture-${s.name}`, ...(s.passphrase ? { passphrase: s.passphrase } : {}) };
    // The root key a store without a passphrase makes, captured (see the notes at the top).
    let rootRaw = null;
    const generateKey = subtle.generateKey;
    subtle.generateKey = async function (algorithm, extractable, usages) {
      if (algorithm?.name === 'AES-GCM' && extractable === false && rootRaw === null) {
        const key = await generateKey.call(subtle, algorithm, true, usages);
        rootRaw = new Uint8Array(await subtle.exportKey('raw', key));
        return subtle.importKey('raw', rootRaw, 'AES-GCM', false, usages);
      }
      return generateKey.call(subtle, algorithm, extractable, usages);
    };
    let kms;
    try {
      kms = await Kms.open(options);
    } finally {
      delete subtle.generateKey;
    }
    if (!s.passphrase && rootRaw === null) throw new Error('the root key was not captured');
    kms.setNow(scenario.start);
    const plan = scenario.scenarios[s.scenario];
    const saved = await run(kms, plan);
    const report = await kms.verifyAudit();
    if (report.problems.length !== 0 || report.digestsChecked !== 1) throw new Error(JSON.stringify(report));
    const exported = await kms.exportAudit();
    if (exported.Records.length !== report.eventsChecked) throw new Error('the export is not the whole trail');
    const now = kms.now().getTime();
    await kms.close();
    const raw = await dump(`wasm-kms:${options.indexedDb}`, rootRaw);

    const again = await Kms.open(options);
    const backup = s.backupPassphrase ? enc(await again.exportBackup(s.backupPassphrase)) : null;
    const checks = await recordChecks(again, plan, saved);
    await again.close();
    made[s.name] = {
      now, checks, raw, backup, exported,
      audit: { events: exported.Records.length, digest: saved.digest },
      userAgent: navigator.userAgent,
    };
  }
  return made;
}

const server = await startServer({ port: 0 });
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  // Any page of the server's origin will do: the module is imported by the script.
  await page.goto(`http://127.0.0.1:${server.address().port}/compat-fixtures`);
  const made = await page.evaluate(inPage, { scenario, stores: STORES });
  const json = (v) => `${JSON.stringify(v, null, 2)}\n`;
  for (const s of STORES) {
    const m = made[s.name];
    await writeFile(join(out, `${s.name}.dump.json`), json(m.raw));
    await writeFile(join(out, `${s.name}.export.json`), JSON.stringify(m.exported));
    if (m.backup) await writeFile(join(out, `${s.name}.backup`), Buffer.from(m.backup, 'base64'));
    await writeFile(join(out, `${s.name}.expected.json`), json({
      about: `What the frozen IndexedDB store \`${s.name}.dump.json\` (loaded into a new database) must show when it is opened at \`now\` (epoch ms): each check's call, made again, gets this status and response; the audit trail holds \`events\` events, exported (every event, in CloudTrail's log file shape) as the file \`export\`, with the digest \`digest\`. Made in ${m.userAgent}.`,
      scenario: s.scenario,
      now: m.now,
      dump: `${s.name}.dump.json`,
      audit: { ...m.audit, export: `${s.name}.export.json` },
      checks: m.checks,
      ...(s.passphrase ? { passphrase: s.passphrase } : {}),
      ...(s.backupPassphrase ? { backupPassphrase: s.backupPassphrase } : {}),
    }));
  }
  console.log(`wrote the IndexedDB fixtures into ${out}`);
} finally {
  await browser.close();
  await new Promise((ok) => server.close(ok));
}
