// Browser benchmark: serves the repository (.ci/serve.mjs), opens bench/index.html in headless
// Chromium through playwright-core, waits for bench/bench.js (the same bench/lib.js as Node) and
// prints its figures. Run: node bench/browser.mjs [--rounds N] [--round-ms MS] [--warmup-ms MS]
import { startServer } from '../.ci/serve.mjs';
import { formatLines, optionsFrom } from './lib.js';
import { formatAsymLines } from './asym.js';
import { flag, launchChromium } from './cli.mjs';



const options = optionsFrom(flag);
const query = new URLSearchParams({
  rounds: options.rounds, 'round-ms': options.roundMs, 'warmup-ms': options.warmupMs,
});
// The symmetric part, then the asymmetric one (key generation included, up to about a minute).
const budgetMs = 120_000 + options.warmupMs + options.rounds * options.roundMs * 4 * 3 * 4;

const server = await startServer({ port: 0 });
let browser;
try {
  browser = await launchChromium();
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/index.html?${query}`);
  console.log(`chromium ${browser.version()} (headless), ${options.rounds} rounds x ${options.roundMs} ms, `
    + '4 KB random plaintext, no encryption context');
  await page.waitForFunction(() => window.__bench && window.__bench.done, null, { timeout: budgetMs, polling: 250 });
  const result = await page.evaluate(() => window.__bench);
  if (result.error) throw new Error(`the page failed: ${result.error}`);
  for (const line of formatLines(result.run, 'browser')) console.log(line);
  for (const line of formatAsymLines(result.asym, 'browser')) console.log(line);
  if (problems.length) console.log(`browser console errors: ${problems.join(' | ')}`);

} finally {
  await browser?.close();
  await new Promise((ok) => { server.close(ok); });
}
