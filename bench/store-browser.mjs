// The IndexedDB store benchmark (bench/store.html in headless Chromium): see bench/store.js for
// what it measures. The store is the fixture of bench/fixture.mjs (filled once in Node, kept under
// target/), handed to the page as a backup that it restores. Prints figures, asserts nothing.
// Run: node bench/store-browser.mjs [--keys N] [--events N] [--round-ms MS] [--rounds N] [--pkg URL]
// (`--pkg` names another build of the web target than /pkg/web/wasm_kms.js, under /pkg or /bench).
import { createReadStream } from 'node:fs';
import http, { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { startServer } from '../.ci/serve.mjs';
import { flag, launchChromium } from './cli.mjs';
import { storeFixture } from './fixture.mjs';
import { formatStoreLines } from './store.js';

const { Kms } = createRequire(import.meta.url)('../pkg/node/wasm_kms.js');
const keys = Number(flag('keys') ?? 10_000);
const events = Number(flag('events') ?? 100_000);
const tty = process.stderr.isTTY;
const fixture = await storeFixture({
  Kms, keys, events, onProgress: (m) => { if (tty) process.stderr.write(`  ${m}    \r`); },
});
if (tty) process.stderr.write(`${' '.repeat(40)}\r`);

// The fixture (over 100 MB) is streamed to the page from the page's own origin: the site's server
// (.ci/serve.mjs) behind a front that answers /bench/fixture/ itself.
const site = await startServer({ port: 0 });
const files = { '/bench/fixture/ids.json': fixture.ids, '/bench/fixture/store.bak': fixture.backup };
const server = createServer((req, res) => {
  const file = files[(req.url ?? '').split('?')[0]];
  if (file) {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
    return;
  }
  const back = { host: '127.0.0.1', port: site.address().port, path: req.url, method: req.method, headers: req.headers };
  req.pipe(http.request(back, (up) => { res.writeHead(up.statusCode, up.headers); up.pipe(res); }));
});
await new Promise((ok) => { server.listen(0, '127.0.0.1', ok); });
let browser;
try {
  browser = await launchChromium();
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('crash', () => problems.push('the page crashed'));
  const query = new URLSearchParams({
    keys, events, 'round-ms': flag('round-ms') ?? 500, rounds: flag('rounds') ?? 5,
  });
  if (flag('pkg')) query.set('pkg', flag('pkg'));
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/store.html?${query}`);
  let store;
  try {
    await page.waitForFunction(() => window.__store && window.__store.done, null, { timeout: 900_000, polling: 500 });
    store = await page.evaluate(() => window.__store);
  } catch (e) {
    throw new Error(`the store page failed: ${e.message} ${problems.join(' | ')}`);
  }
  if (store.error) throw new Error(`the store page failed: ${store.error}`);
  console.log(`chromium ${browser.version()} (headless), IndexedDB store`);
  const how = { ...store.fixture, filledSeconds: fixture.filledSeconds };
  for (const line of formatStoreLines(store.run, 'browser', 'IndexedDB', how)) console.log(line);
} finally {
  await browser?.close();
  await new Promise((ok) => { server.close(ok); });
  await new Promise((ok) => { site.close(ok); });
}
