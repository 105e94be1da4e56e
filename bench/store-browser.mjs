// The IndexedDB store benchmark alone (bench/store.html in headless Chromium); bench/browser.mjs
// runs it after the other browser benchmarks. Prints figures, asserts nothing.
// Run: node bench/store-browser.mjs [--keys N] [--events N]
import { startServer } from '../.ci/serve.mjs';
import { flag, launchChromium } from './cli.mjs';
import { formatStoreLines } from './store.js';

const server = await startServer({ port: 0 });
let browser;
try {
  browser = await launchChromium();
  const page = await browser.newPage();
  const storeQuery = new URLSearchParams({ keys: flag('keys') ?? 10000, events: flag('events') ?? 100000 });
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/store.html?${storeQuery}`);
  await page.waitForFunction(() => window.__store && window.__store.done, null, { timeout: 900_000, polling: 500 });
  const store = await page.evaluate(() => window.__store);
  if (store.error) throw new Error(`the store page failed: ${store.error}`);
  console.log(`chromium ${browser.version()} (headless), IndexedDB store`);
  for (const line of formatStoreLines(store.run, 'browser', 'IndexedDB')) console.log(line);
} finally {
  await browser?.close();
  await new Promise((ok) => { server.close(ok); });
}
