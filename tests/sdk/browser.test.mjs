// The official @aws-sdk/client-kms in headless Chromium against wasm-kms in the same page, through
// pkg/sdk.mjs: tests/sdk/page is bundled by the workspace's Vite (the SDK's browser build, pkg/web
// and the adapter), served from a temporary folder by a small static server, and loaded with
// playwright-core; the page reports to `window.__result`.
//
// Run: node --test tests/sdk/   (needs pkg/web, built by `bash .ci/build.sh all release`)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { launchChromium } from '../../bench/cli.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** Serves the files under `root` (GET only) on a free port of 127.0.0.1. */
async function staticServer(root) {
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(root, name.endsWith('/') ? `${name}index.html` : name);
    if (req.method !== 'GET' || !file.startsWith(root + path.sep) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((ok) => { server.listen(0, '127.0.0.1', ok); });
  return server;
}

let outDir;
let server;
let browser;
before(async () => {
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wkms-sdk-page-'));
  await build({
    configFile: false,
    root: path.join(here, 'page'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 4096 },
  });
  server = await staticServer(outDir);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  if (server) await new Promise((ok) => { server.close(ok); });
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

test('a Vite-bundled page runs @aws-sdk/client-kms against an in-page wasm-kms', async () => {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  // No request may leave the page for AWS: everything is answered in process.
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.__result?.done, null, { timeout: 30_000 });
  const result = await page.evaluate(() => window.__result);
  assert.equal(result.failure, undefined);
  assert.match(result.arn, /^arn:aws:kms:eu-west-1:111122223333:key\//);
  assert.ok(result.ciphertextBytes > 0);
  assert.equal(result.plaintext, 'hello from the page');
  assert.deepEqual(result.error, {
    name: 'NotFoundException',
    isNotFound: true,
    status: 400,
    message: "Key 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000000' does not exist",
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(requests.filter((u) => !u.startsWith(`http://127.0.0.1:${server.address().port}/`)), []);
});
