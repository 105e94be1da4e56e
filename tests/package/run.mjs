// Tests the npm package as users get it: `npm pack` in pkg/, the tarball installed into a fresh
// temporary directory, and then used from Node (ESM and CommonJS), from a page built with Vite,
// the same page on Vite's dev server and on a plain page (all in headless Chromium), and
// type-checked through its exports map.
// Needs every wasm-pack target built (`bash .ci/build.sh all release`). Prints each check; exits
// non-zero on the first failure. `node tests/package/run.mjs` (`--keep` keeps the directory).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { launchChromium } from '../../bench/cli.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const run = promisify(execFile);
const started = Date.now();

function ok(what) {
  console.log(`ok   ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/** Asserts that a scenario's answer (fixtures/scenario.mjs) holds `true` for every check. */
function passed(where, checks) {
  assert.ok(checks && !checks.failed, `${where}: ${checks?.failed ?? 'no result'}`);
  assert.deepEqual(checks, { roundTrip: true, notFound: true, invalidCiphertext: true }, where);
  ok(`${where}: key, encrypt, decrypt; NotFoundException and InvalidCiphertextException by instanceof`);
}

/** The AWS error names the Rust core maps its errors to (src/error.rs). */
async function rustErrorNames() {
  const source = await readFile(join(ROOT, 'src/error.rs'), 'utf8');
  return new Set([...source.matchAll(/\("(\w+)", Fault::/g)].map((m) => m[1]));
}

/** Serves the files under `dir` on a free port of 127.0.0.1. */
async function serveDir(dir) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer(async (req, res) => {
    const file = normalize(join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    try {
      if (!file.startsWith(dir + sep)) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Loads `url` in `browser` and returns the page's `window.result`, failing on page errors. */
async function pageResult(browser, url) {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} ${r.url()}`));
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30_000 });
    assert.deepEqual(problems, [], `${url}: page errors`);
    return await page.evaluate(() => window.result);
  } finally {
    await page.close();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'wasm-kms-package-'));
try {
  // The tarball, installed with nothing but itself.
  const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(ROOT, 'pkg') });
  const [{ filename, size, entryCount }] = JSON.parse(packed.stdout);
  ok(`npm pack: ${filename}, ${entryCount} files, ${(size / 1e6).toFixed(1)} MB`);
  await cp(FIXTURES, dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), '{ "name": "wasm-kms-package-test", "private": true, "type": "module" }\n');
  await run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(dir, filename)], { cwd: dir });
  const installed = join(dir, 'node_modules/wasm-kms');
  ok('npm install of the tarball into a fresh directory');

  // What the package holds: every file its modules import or require (the `files` list of
  // pkg/package.json leaves nothing out), the wasm files, and a class per error name.
  const modules = (await readdir(installed, { recursive: true })).filter((f) => /\.[cm]?js$/.test(f));
  for (const module of modules) {
    const source = await readFile(join(installed, module), 'utf8');
    const relative = [...source.matchAll(/(?:from|import\(|require\()\s*['"](\.\.?\/[^'"]+)['"]/g)];
    for (const [, file] of relative) await readFile(join(installed, dirname(module), file));
  }
  for (const target of ['node', 'web']) await readFile(join(installed, target, 'wasm_kms_bg.wasm'));
  const errors = await import(pathToFileURL(join(installed, 'errors.mjs')));
  for (const name of await rustErrorNames()) {
    assert.equal(typeof errors[name], 'function', `no error class ${name} in errors.mjs`);
    assert.equal(new errors[name]().name, name);
  }
  ok(`the package holds every file its ${modules.length} modules load, and an error class per name in src/error.rs`);

  // (a), (b) Node.
  for (const [where, script] of [['Node ESM', 'esm.mjs'], ['Node CommonJS', 'cjs.cjs']]) {
    const { stdout, stderr } = await run(process.execPath, [script], { cwd: dir });
    assert.equal(stderr, '', `${where}: stderr`);
    passed(where, JSON.parse(stdout));
  }

  // The `wasm-kms` command of the installed package.
  const help = await run(join(dir, 'node_modules/.bin/wasm-kms'), ['--help'], { cwd: dir });
  assert.match(help.stdout, /Usage: wasm-kms serve/);
  ok('npx wasm-kms --help');

  // Types, through the exports map as TypeScript (NodeNext) resolves it.
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir });
  ok('tsc (NodeNext) of consumers importing wasm-kms, wasm-kms/errors and wasm-kms/web, and requiring wasm-kms');

  // (c) A page built with the workspace's Vite; (d) the same page with no bundler, and on Vite's
  // dev server (which pre-bundles dependencies).
  const vite = await import(pathToFileURL(join(ROOT, 'node_modules/vite/dist/node/index.js')));
  await vite.build({ root: dir, base: './', configFile: false, logLevel: 'warn', build: { outDir: 'dist' } });
  ok('vite build of a page importing wasm-kms');
  const server = await serveDir(dir);
  const browser = await launchChromium();
  try {
    const base = `http://127.0.0.1:${server.address().port}`;
    passed('Vite page in Chromium', await pageResult(browser, `${base}/dist/index.html`));
    passed('plain page in Chromium (import map, no bundler)', await pageResult(browser, `${base}/plain.html`));
    const dev = await vite.createServer({ root: dir, configFile: false, logLevel: 'warn', server: { port: 0, host: '127.0.0.1' } });
    await dev.listen();
    try {
      passed('Vite dev server page in Chromium', await pageResult(browser, dev.resolvedUrls.local[0]));
    } finally {
      await dev.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`all package checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  if (process.argv.includes('--keep')) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
