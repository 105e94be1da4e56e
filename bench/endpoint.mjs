// The local endpoint (`wasm-kms serve`) beside moto_server (PyPI `moto[server]`, the most used local
// KMS mock), in one run: Encrypt and GenerateDataKey requests per second with 1 and 16 concurrent
// clients, then the endpoint's memory (RSS) sampled every 10,000 of 100,000 requests. Figures
// only: nothing is asserted.
//
// Both servers run as child processes, in memory, on 127.0.0.1, and get the same requests from the
// same small client here (keep-alive HTTP/1.1, one connection per concurrent client, a fixed
// SigV4-shaped Authorization header that neither checks). Each case runs for a fixed time, as moto
// is too slow for a fixed count.
//
// V8 compiles the wasm module's hot functions again, optimized, only after some seconds of load: each
// server first gets WARMUP_S seconds of both requests from 16 clients (which lifts wasm-kms from about
// 5,500 to about 8,500 Encrypts a second), and each case a short warm-up of its own.
//
// Run: node bench/endpoint.mjs [--seconds S] [--warmup-s S] [--memory-requests N] [--moto PATH]
// (needs pkg/node, from `bash .ci/build.sh all release`, and moto in .tools/moto, from
// `bash .ci/setup.sh test`; without moto only wasm-kms is measured).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag } from './cli.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(flag('seconds') ?? 3);
const WARMUP_S = Number(flag('warmup-s') ?? 5);
const CASE_WARMUP_MS = 300;
const MEMORY_REQUESTS = Number(flag('memory-requests') ?? 100_000);
const SAMPLE_EVERY = 10_000;
const MOTO = path.resolve(root, flag('moto') ?? '.tools/moto/bin/moto_server');
const CONCURRENCY = [1, 16];
const PLAINTEXT = Buffer.alloc(64, 7).toString('base64');
// Shaped like a SigV4 header, so that both take the Region and account from it; not signed.
const AUTHORIZATION = 'AWS4-HMAC-SHA256 Credential=111122223333/20260101/us-east-1/kms/aws4_request, '
  + `SignedHeaders=content-type;host;x-amz-target, Signature=${'0'.repeat(64)}`;

/** A keep-alive client of the endpoint at `url`: `call(operation, body)` resolves to the JSON answer. */
function httpClient(url, sockets) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const { hostname, port } = new URL(url);
  const call = (operation, body) => new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request({
      agent, hostname, port, method: 'POST', path: '/',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'Content-Length': data.length,
        'X-Amz-Target': `TrentService.${operation}`,
        Authorization: AUTHORIZATION,
      },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode === 200) resolve(JSON.parse(text));
        else reject(new Error(`${operation}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
  return { call, close: () => agent.destroy() };
}

/** The benchmarked requests, against the key `keyId`; each checks its answer has a ciphertext. */
const OPERATIONS = {
  Encrypt: (c, keyId) => c.call('Encrypt', { KeyId: keyId, Plaintext: PLAINTEXT }),
  GenerateDataKey: (c, keyId) => c.call('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' }),
};
async function checked(promise) {
  const out = await promise;
  if (typeof out.CiphertextBlob !== 'string') throw new Error(`no CiphertextBlob in ${JSON.stringify(out)}`);
}

/** Requests per second of `request` from `concurrency` clients for `ms` milliseconds. */
async function rate(request, concurrency, ms) {
  let done = 0;
  const start = performance.now();
  const end = start + ms;
  const client = async () => {
    while (performance.now() < end) {
      await request();
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return done / ((performance.now() - start) / 1000);
}

/** The resident set size of process `pid`, in bytes (Linux). */
function rssOf(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** A port that was free a moment ago (moto_server cannot be asked for port 0 and say which). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts `command` and resolves once `ready(output so far)` returns a URL. */
function startChild(command, args, ready, timeoutMs = 30_000) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${path.basename(command)} did not start in ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    const seen = (chunk) => {
      output += chunk;
      const url = ready(output);
      if (url) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(command)} exited (${code}) before it was ready: ${output}`));
    });
  });
}

/** Stops a child started here and waits for it to exit. */
async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((ok) => { child.once('exit', ok); });
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function startWasmKms() {
  const bin = path.join(root, 'pkg', 'bin', 'wasm-kms.mjs');
  const started = await startChild(process.execPath, [bin, 'serve', '--port', '0'],
    (out) => /AWS KMS endpoint on (http:\/\/\S+)/.exec(out)?.[1]);
  return { name: 'wasm-kms', ...started };
}

async function startMoto() {
  if (!fs.existsSync(MOTO)) return null;
  const port = await freePort();
  const started = await startChild(MOTO, ['-H', '127.0.0.1', '-p', String(port)],
    (out) => (/Running on http:\/\//.test(out) ? `http://127.0.0.1:${port}` : null));
  const version = spawnSync(path.join(path.dirname(MOTO), 'python'),
    ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' }).stdout.trim();
  return { name: `moto ${version}`, ...started };
}

/** Every (operation, concurrency) case against `server`: `{ 'Encrypt/1': requests per second, ... }`. */
async function throughput(server) {
  const client = httpClient(server.url, Math.max(...CONCURRENCY));
  try {
    const { KeyMetadata } = await client.call('CreateKey', { Description: 'bench' });
    let turn = 0;
    const either = () => checked(Object.values(OPERATIONS)[turn++ % 2](client, KeyMetadata.KeyId));
    await rate(either, 16, WARMUP_S * 1000);
    const rates = {};
    for (const [name, op] of Object.entries(OPERATIONS)) {
      const request = () => checked(op(client, KeyMetadata.KeyId));
      for (const concurrency of CONCURRENCY) {
        await rate(request, concurrency, CASE_WARMUP_MS);
        rates[`${name}/${concurrency}`] = await rate(request, concurrency, SECONDS * 1000);
      }
    }
    return rates;
  } finally {
    client.close();
  }
}

/**
 * `total` requests (Encrypt and GenerateDataKey in turn) from 16 clients; RSS every SAMPLE_EVERY.
 * RSS climbs over the first 10,000: V8's compiled code and heaps, and the in-memory audit trail,
 * which keeps the last 10,000 events (AUDIT_MEMORY_LIMIT in src/service/mod.rs); flat means after that.
 */
async function memory(server, total) {
  const client = httpClient(server.url, 16);
  try {
    const { KeyMetadata } = await client.call('CreateKey', { Description: 'bench memory' });
    const samples = [[0, rssOf(server.child.pid)]];
    let issued = 0;
    let done = 0;
    const start = performance.now();
    const worker = async () => {
      while (issued < total) {
        const op = issued % 2 === 0 ? OPERATIONS.Encrypt : OPERATIONS.GenerateDataKey;
        issued += 1;
        await checked(op(client, KeyMetadata.KeyId));
        done += 1;
        if (done % SAMPLE_EVERY === 0) samples.push([done, rssOf(server.child.pid)]);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return { samples, seconds: (performance.now() - start) / 1000 };
  } finally {
    client.close();
  }
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

console.log(`endpoint benchmark: node ${process.version}, ${SECONDS} s per case, after ${WARMUP_S} s of warm-up per server, `
  + `keep-alive HTTP/1.1 from one client process, ${Buffer.from(PLAINTEXT, 'base64').length} B plaintext, `
  + 'both servers in memory as child processes');

const servers = [];
try {
  const wasm = await startWasmKms();
  servers.push(wasm);
  const ours = await throughput(wasm);
  await stopChild(wasm.child);
  const moto = await startMoto();
  let theirs = null;
  if (moto) {
    servers.push(moto);
    theirs = await throughput(moto);
    console.log(`moto_server RSS after its runs: ${mb(rssOf(moto.child.pid))}`);
    await stopChild(moto.child);
  } else {
    console.log(`moto_server not found at ${MOTO}: only wasm-kms is measured (bash .ci/setup.sh test installs it)`);
  }

  const head = ['requests/s', 'wasm-kms', theirs ? moto.name : '', theirs ? 'ratio (target >= 10x)' : ''];
  const rows = Object.keys(ours).map((k) => {
    const [op, c] = k.split('/');
    const label = `${op}, ${c} client${c === '1' ? '' : 's'}`;
    return [label, fmt(ours[k]), theirs ? fmt(theirs[k]) : '', theirs ? `${(ours[k] / theirs[k]).toFixed(1)}x` : ''];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [head, ...rows]) {
    console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd());
  }

  const fresh = await startWasmKms();
  servers.push(fresh);
  const { samples, seconds } = await memory(fresh, MEMORY_REQUESTS);
  console.log(`memory of a fresh wasm-kms serve (RSS of the server process) over ${fmt(MEMORY_REQUESTS)} requests `
    + `(Encrypt and GenerateDataKey in turn, 16 clients, ${fmt(MEMORY_REQUESTS / seconds)} requests/s):`);
  console.log(`  ${samples.map(([n, rss]) => `${n / 1000}k ${mb(rss)}`).join(', ')}`);
  // From the first sample on: start-up and V8's compilation of the hot code are done by then.
  const first = samples.find(([n]) => n >= SAMPLE_EVERY) ?? samples[0];
  const last = samples.at(-1);
  const per = (last[1] - first[1]) / Math.max(1, last[0] - first[0]);
  console.log(`  from ${first[0] / 1000}k to ${last[0] / 1000}k requests: ${mb(last[1] - first[1])} `
    + `(${per.toFixed(0)} bytes a request; target: flat)`);
} finally {
  for (const s of servers) await stopChild(s.child);
}
