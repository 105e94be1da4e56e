// End-to-end test of the web page (www/) in headless Chromium: `node --test tests/e2e/`.
// Needs the web package built (pkg/web) and Chromium at $CHROMIUM_PATH or /usr/bin/chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../.ci/serve.mjs';
import { launchChromium } from '../../bench/cli.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOT = `${ROOT}test-results/page.png`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('web page', { timeout: 60_000 }, () => {
  let server;
  let browser;
  let page;
  let base;
  let keyId;
  const problems = []; // console errors, page errors, failed requests

  before(async () => {
    server = await startServer({ port: 0 });
    base = `http://127.0.0.1:${server.address().port}`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  });

  after(async () => {
    await browser?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok()));
  });

  const text = (sel) => page.locator(sel).textContent();
  const row = (id) => page.locator(`[data-testid="key-row"][data-key-id="${id}"]`);

  /** Waits for the error area to show `name`, and returns the shown name. */
  async function expectError(name) {
    await page.waitForFunction(
      (n) => {
        const box = document.getElementById('error');
        return !box.hidden && box.dataset.errorName === n;
      },
      name,
    );
    assert.equal(await text('#error-name'), name);
    assert.ok(await page.locator('#error').isVisible(), 'error area visible');
  }

  async function expectNoError() {
    assert.ok(await page.locator('#error').isHidden(), `unexpected error: ${await text('#error')}`);
  }

  test('loads: wasm initialised, no console errors', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.match(await text('#status'), /Ready .*us-east-1.*111122223333/);
    assert.ok(await page.locator('#keys-empty').isVisible());
    await expectNoError();
    assert.deepEqual(problems, []);
  });

  test('creates a key and lists it', async () => {
    await page.fill('#key-description', 'e2e <b>test</b> key');
    await page.click('#create-key');
    await page.waitForSelector('[data-testid="key-row"]');
    keyId = await page.locator('[data-testid="key-row"]').first().getAttribute('data-key-id');
    assert.match(keyId, UUID);
    const r = row(keyId);
    assert.equal(await r.locator('[data-testid="key-id"]').textContent(), keyId);
    assert.equal(await r.locator('[data-testid="key-state"]').textContent(), 'Enabled');
    // The description is shown as text, not parsed as markup.
    assert.equal(await r.locator('[data-testid="key-description"]').textContent(), 'e2e <b>test</b> key');
    assert.equal(await r.locator('b').count(), 0);
    assert.match(await r.locator('[data-testid="key-created"]').textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    assert.equal(await page.inputValue('#key-select'), keyId);
    assert.ok(await page.locator('#keys-empty').isHidden());
    await expectNoError();
  });

  const PLAINTEXT = 'Hello, KMS! ünïcødé ✓ <script>alert(1)</script>';
  const CONTEXT = 'purpose=e2e\nteam = qa\n';

  test('encrypts text and decrypts it back', async () => {
    await page.fill('#plaintext', PLAINTEXT);
    await page.fill('#encrypt-context', CONTEXT);
    await page.click('#encrypt');
    await page.waitForFunction(() => document.getElementById('ciphertext').value !== '');
    await expectNoError();
    const b64 = await page.inputValue('#ciphertext');
    assert.match(b64, /^[A-Za-z0-9+/]+={0,2}$/);
    assert.ok(Buffer.from(b64, 'base64').length > Buffer.byteLength(PLAINTEXT));

    await page.click('#use-ciphertext');
    assert.equal(await page.inputValue('#decrypt-input'), b64);
    assert.equal(await page.inputValue('#decrypt-context'), CONTEXT);
    await page.click('#decrypt');
    await page.waitForSelector('#decrypted[data-done="true"]');
    await expectNoError();
    assert.equal(await text('#decrypted'), PLAINTEXT);
    assert.match(await text('#decrypted-info'), new RegExp(keyId));
  });

  test('decrypting with a wrong context shows InvalidCiphertextException', async () => {
    await page.fill('#decrypt-context', 'purpose=wrong');
    await page.click('#decrypt');
    await expectError('InvalidCiphertextException');
    assert.equal(await text('#error-operation'), 'Decrypt');
    assert.equal(await text('#error-message'), ''); // AWS sends no message for this error
    assert.equal(await text('#decrypted'), '');

    // No context at all is just as wrong.
    await page.fill('#decrypt-context', '');
    await page.click('#decrypt');
    await expectError('InvalidCiphertextException');
  });

  test('decrypting garbage shows the right error', async () => {
    // Valid base64, but not a KMS ciphertext: KMS rejects it.
    await page.fill('#decrypt-input', Buffer.from('definitely not a ciphertext').toString('base64'));
    await page.click('#decrypt');
    await expectError('InvalidCiphertextException');
    // Not base64 at all: the page refuses it before calling KMS.
    await page.fill('#decrypt-input', 'not base64!!');
    await page.click('#decrypt');
    await expectError('InputError');
    // Nothing: KMS's own validation error.
    await page.fill('#decrypt-input', '');
    await page.click('#decrypt');
    await expectError('ValidationException');
    assert.match(await text('#error-message'), /ciphertextBlob/);
  });

  test('disabling the key makes Encrypt fail with DisabledException', async () => {
    const ciphertext = await page.inputValue('#ciphertext');
    await row(keyId).locator('[data-testid="disable-key"]').click();
    await page.waitForFunction(
      (id) => document.querySelector(`[data-key-id="${id}"] [data-testid="key-state"]`)?.textContent === 'Disabled',
      keyId,
    );
    await expectNoError();
    await page.click('#encrypt');
    await expectError('DisabledException');
    assert.equal(await text('#error-operation'), 'Encrypt');
    assert.match(await text('#error-message'), /is disabled/);

    // Decrypt with the disabled key fails the same way.
    await page.fill('#decrypt-input', ciphertext);
    await page.fill('#decrypt-context', CONTEXT);
    await page.click('#decrypt');
    await expectError('DisabledException');

    // Enabled again, it decrypts.
    await row(keyId).locator('[data-testid="enable-key"]').click();
    await page.waitForFunction(
      (id) => document.querySelector(`[data-key-id="${id}"] [data-testid="key-state"]`)?.textContent === 'Enabled',
      keyId,
    );
    await page.click('#decrypt');
    await page.waitForSelector('#decrypted[data-done="true"]');
    assert.equal(await text('#decrypted'), PLAINTEXT);
  });

  test('the audit panel lists the calls and their errors', async () => {
    const rows = await page.locator('[data-testid="audit-row"]').evaluateAll((trs) => trs.map((tr) => ({
      time: tr.querySelector('[data-testid="audit-time"]').textContent,
      name: tr.querySelector('[data-testid="audit-name"]').textContent,
      result: tr.querySelector('[data-testid="audit-result"]').textContent,
      why: tr.querySelector('[data-testid="audit-why"]').textContent,
    })));
    assert.ok(rows.length > 0 && rows.length <= 15);
    assert.deepEqual(rows[0], { ...rows[0], name: 'Decrypt', result: 'ok' }); // newest first
    assert.match(rows[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Why it was allowed, from the event's recorded decision: the default key policy's statement.
    assert.equal(rows[0].why, 'key policy + IAM allow: statement 0 "Enable IAM User Permissions"');
    const seen = rows.map((r) => `${r.name}:${r.result}`);
    for (const want of ['Encrypt:DisabledException', 'Decrypt:DisabledException', 'DisableKey:ok', 'EnableKey:ok']) {
      assert.ok(seen.includes(want), `audit panel lacks ${want}: ${seen.join(', ')}`);
    }
  });

  test('signs with an ECC key, verifies, and refuses a changed message', async () => {
    await page.fill('#key-description', 'release signing');
    await page.selectOption('#key-type', 'ECC_NIST_P256 SIGN_VERIFY');
    await page.click('#create-key');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="key-spec"]')]
      .some((td) => td.textContent === 'ECC_NIST_P256 · SIGN_VERIFY'));
    await expectNoError();
    assert.equal(await page.locator('#sign-algorithm').inputValue(), 'ECDSA_SHA_256');
    await page.fill('#sign-message', 'release 1.4.2');
    await page.click('#sign');
    await page.waitForFunction(() => document.getElementById('signature').value !== '');
    await expectNoError();
    assert.match(await text('#signature-info'), /ECDSA_SHA_256/);
    await page.click('#verify');
    await page.waitForFunction(() => /SignatureValid: true/.test(document.getElementById('signature-info').textContent));
    await page.click('#public-key');
    await page.waitForFunction(() => document.getElementById('public-key-pem').textContent.includes('BEGIN PUBLIC KEY'));
    // The PEM is a real SubjectPublicKeyInfo: WebCrypto imports it and verifies the signature.
    const verified = await page.evaluate(async () => {
      const pem = document.getElementById('public-key-pem').textContent;
      const der = Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0));
      const key = await crypto.subtle.importKey('spki', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
      const sig = Uint8Array.from(atob(document.getElementById('signature').value), (c) => c.charCodeAt(0));
      // DER SEQUENCE{r, s} to r || s.
      let i = 2;
      const int = () => { i += 1; const len = sig[i]; i += 1; let v = sig.slice(i, i + len); i += len;
        while (v.length > 32 && v[0] === 0) v = v.slice(1); const o = new Uint8Array(32); o.set(v, 32 - v.length); return o; };
      const raw = new Uint8Array(64); raw.set(int()); raw.set(int(), 32);
      return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, raw, new TextEncoder().encode('release 1.4.2'));
    });
    assert.equal(verified, true);
    await page.fill('#sign-message', 'release 1.4.3');
    await page.click('#verify');
    await expectError('KMSInvalidSignatureException');
  });

  test('encrypts with an RSA key and decrypts by naming it', async () => {
    await page.fill('#key-description', 'rsa box');
    await page.selectOption('#key-type', 'RSA_2048 ENCRYPT_DECRYPT');
    await page.click('#create-key');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="key-spec"]')]
      .some((td) => td.textContent === 'RSA_2048 · ENCRYPT_DECRYPT'));
    await expectNoError();
    const options = await page.locator('#encrypt-algorithm option').allTextContents();
    assert.deepEqual(options, ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    await page.selectOption('#encrypt-algorithm', 'RSAES_OAEP_SHA_256');
    await page.fill('#plaintext', 'short secret');
    await page.fill('#encrypt-context', '');
    await page.click('#encrypt');
    await page.waitForFunction(() => document.getElementById('ciphertext').value !== '');
    assert.match(await text('#ciphertext-info'), /^256 bytes .*RSAES_OAEP_SHA_256/);
    await page.click('#use-ciphertext');
    assert.equal(await page.locator('#decrypt-algorithm').inputValue(), 'RSAES_OAEP_SHA_256');
    // The other OAEP hash does not decrypt: IncorrectKeyException, as in AWS.
    await page.selectOption('#decrypt-algorithm', 'RSAES_OAEP_SHA_1');
    await page.click('#decrypt');
    await expectError('IncorrectKeyException');
    await page.selectOption('#decrypt-algorithm', 'RSAES_OAEP_SHA_256');
    await page.click('#decrypt');
    await page.waitForSelector('#decrypted[data-done="true"]');
    assert.equal(await text('#decrypted'), 'short secret');
    // Without naming the key, KMS cannot know which key made RSA ciphertext.
    await page.selectOption('#decrypt-key', '');
    await page.click('#decrypt');
    await expectError('InvalidCiphertextException');
  });

  test('keys and the trail are kept in IndexedDB across a reload, and the trail verifies', async () => {
    const before = await page.locator('[data-testid="key-row"]').count();
    assert.ok(before >= 3, `only ${before} keys`);
    assert.match(await text('#status'), /kept in IndexedDB \(wasm-kms:default\)/);
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('[data-testid="key-row"]').count(), before);
    assert.equal(await row(keyId).locator('[data-testid="key-state"]').textContent(), 'Enabled');
    await page.click('#audit-verify');
    await page.waitForFunction(() => document.getElementById('audit-verify-result').textContent !== '');
    assert.match(await text('#audit-verify-result'), /^The trail verifies: \d+ events/);
    // A store of its own for `?store=memory`: nothing of the stored keys.
    await page.goto(`${base}/?store=memory`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.match(await text('#status'), /in memory/);
    assert.equal(await page.locator('[data-testid="key-row"]').count(), 0);
    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.locator('[data-testid="key-row"]').count(), before);
  });

  test('a backup downloads, and restores into a new store only with its passphrase', async () => {
    const before = await page.locator('[data-testid="key-row"]').count();
    await page.fill('#backup-passphrase', 'e2e backup passphrase');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#backup-export')]);
    assert.equal(download.suggestedFilename(), 'wasm-kms-default.backup');
    const file = `${ROOT}test-results/e2e.backup`;
    await mkdir(`${ROOT}test-results`, { recursive: true });
    await download.saveAs(file);
    const bytes = await readFile(file);
    assert.equal(bytes.subarray(0, 8).toString('latin1'), 'WKMSBAK1');
    assert.ok(!bytes.includes(Buffer.from('kms.amazonaws.com')), 'the trail is readable in the backup');
    const store = `restored-${Date.now()}`;
    await page.fill('#backup-store', store);
    await page.setInputFiles('#backup-file', file);
    await page.fill('#backup-passphrase', 'not the passphrase');
    await page.click('#backup-restore');
    await expectError('KMSInternalException');
    assert.match(await text('#error-message'), /passphrase/);
    await page.fill('#backup-passphrase', 'e2e backup passphrase');
    await Promise.all([page.waitForURL(`**/?store=${store}`), page.click('#backup-restore')]);
    await page.waitForSelector('body[data-ready="true"]');
    assert.match(await text('#status'), new RegExp(`wasm-kms:${store}`));
    assert.equal(await page.locator('[data-testid="key-row"]').count(), before);
    await page.click('#audit-verify');
    await page.waitForFunction(() => document.getElementById('audit-verify-result').textContent !== '');
    assert.match(await text('#audit-verify-result'), /^The trail verifies: \d+ events/);
    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-ready="true"]');
  });

  test('on a 390 px phone screen the page does not scroll sideways, the key table scrolls in its box', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.waitForFunction(() => document.documentElement.clientWidth === 390);
      assert.ok(await page.locator('#keys-body tr').count() > 0, 'the key table has rows');
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390);
      const box = await page.evaluate(() => document.querySelector('#keys-section').getBoundingClientRect().right);
      assert.ok(box <= 390, `the keys section ends at ${box} px`);
    } finally {
      await page.setViewportSize({ width: 1100, height: 900 });
    }
  });

  test('no console errors, and a screenshot', async () => {
    assert.deepEqual(problems, []);
    // Leave a ciphertext and an error visible in the screenshot, as a user would meet them.
    await page.selectOption('#key-select', keyId);
    await page.fill('#plaintext', PLAINTEXT);
    await page.fill('#encrypt-context', 'purpose=demo');
    await page.click('#encrypt');
    await page.waitForFunction(() => document.getElementById('ciphertext').value !== '');
    await page.click('#use-ciphertext');
    await page.fill('#decrypt-context', 'purpose=wrong');
    await page.click('#decrypt');
    await expectError('InvalidCiphertextException');
    await mkdir(`${ROOT}test-results`, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});
