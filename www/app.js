// The wasm-kms tutor page: one in-memory KMS, driven through its AWS SDK v3-shaped JS API.
// All text reaches the DOM through textContent (never innerHTML), so user data is never markup.
import init, { Kms } from '/pkg/web/wasm_kms.js';

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const AUDIT_ROWS = 15;

const $ = (id) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing element #${id}`);
  return el;
};

let kms = null;
/** The key and algorithm of the last Encrypt, so Decrypt can name an RSA key. */
let lastEncryption = null;

/** An error found in the page's own input, before any call reaches KMS (not an AWS error). */
class InputError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InputError';
  }
}

// ---------- text helpers ----------

/** Parses `key=value` lines into an EncryptionContext; undefined when there are none. */
export function parseContext(text) {
  const context = {};
  let count = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      throw new InputError(`Encryption context line ${i + 1} is not key=value: "${line}"`);
    }
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (Object.prototype.hasOwnProperty.call(context, key)) {
      throw new InputError(`Encryption context key "${key}" is given twice`);
    }
    context[key] = value;
    count += 1;
  });
  return count > 0 ? context : undefined;
}

function bytesToBase64(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

function base64ToBytes(text) {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw new InputError('The ciphertext is not valid base64 (A-Z, a-z, 0-9, +, / and = padding).');
  }
  let bin;
  try {
    bin = atob(clean);
  } catch {
    throw new InputError('The ciphertext is not valid base64.');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  return out;
}

function formatDate(d) {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) return String(d ?? '');
  return d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

// ---------- messages ----------

const HINTS = {
  InvalidCiphertextException:
    'KMS could not decrypt this ciphertext. Usual causes: the encryption context differs from the one '
    + 'used to encrypt (it must match exactly), or the ciphertext is damaged or was not made by this KMS. '
    + 'AWS deliberately returns no message for this error.',
  DisabledException: 'The key is disabled. Enable it in the key list to use it again.',
  NotFoundException: 'No key with that ID exists in this account and Region.',
  ValidationException: 'The request does not meet the API\'s constraints.',
  KMSInvalidStateException: 'The key is in a state that does not allow this operation.',
  KMSInvalidSignatureException:
    'The signature does not match the message, key and algorithm. KMS never answers '
    + '"SignatureValid: false": a bad signature is always this error, with no message.',
  InvalidKeyUsageException: 'This key cannot do this: its KeyUsage or KeySpec does not allow the operation or algorithm.',
  IncorrectKeyException: 'The named key did not make this ciphertext, or the RSA algorithm differs from the one used to encrypt.',
  InputError: 'The page refused this input before calling KMS.',
};

function clearMessages() {
  $('error').hidden = true;
  $('notice').hidden = true;
}

function showError(operation, err) {
  const name = err && err.name ? String(err.name) : 'Error';
  const message = err && typeof err.message === 'string' ? err.message : String(err);
  $('error-name').textContent = name;
  $('error-operation').textContent = operation;
  $('error-message').textContent = message;
  $('error-hint').textContent = HINTS[name] ?? '';
  $('error').dataset.errorName = name;
  $('error').hidden = false;
  $('notice').hidden = true;
}

function showNotice(text) {
  $('notice').textContent = text;
  $('notice').hidden = false;
}

/** Runs one user action: clears old messages, shows any error, then refreshes the audit panel. */
async function action(operation, fn) {
  clearMessages();
  try {
    await fn();
  } catch (err) {
    showError(operation, err);
  } finally {
    await renderAudit();
  }
}

// ---------- keys ----------

async function loadKeys() {
  const ids = [];
  let Marker;
  do {
    // eslint-disable-next-line no-await-in-loop
    const page = await kms.listKeys(Marker ? { Marker } : {});
    for (const k of page.Keys) ids.push(k.KeyId);
    Marker = page.Truncated ? page.NextMarker : undefined;
  } while (Marker);
  const metas = [];
  for (const KeyId of ids) {
    // eslint-disable-next-line no-await-in-loop
    const { KeyMetadata } = await kms.describeKey({ KeyId });
    metas.push(KeyMetadata);
  }
  metas.sort((a, b) => a.CreationDate - b.CreationDate);
  return metas;
}

/** The metadata of every key, by KeyId, as last listed. */
let keyInfo = new Map();

/** Fills `select` with `metas` (label: description, spec, ID), keeping the selection if it can. */
function fillKeySelect(select, metas, preferred, empty) {
  const previous = preferred ?? select.value;
  select.replaceChildren();
  for (const m of metas) {
    const label = `${m.Description || '(no description)'} · ${m.KeySpec} · ${m.KeyId}${m.KeyState === 'Enabled' ? '' : ` (${m.KeyState})`}`;
    select.append(el('option', label, { value: m.KeyId }));
  }
  if (metas.length === 0) select.append(el('option', empty, { value: '' }));
  if (metas.some((m) => m.KeyId === previous)) select.value = previous;
  else if (metas.length > 0) select.value = metas[metas.length - 1].KeyId;
}

/** Fills an algorithm select with `names`, keeping the selection if it can. */
function fillAlgorithms(select, names) {
  const previous = select.value;
  select.replaceChildren(...names.map((n) => el('option', n, { value: n })));
  if (names.includes(previous)) select.value = previous;
}

function syncAlgorithms() {
  const enc = keyInfo.get($('key-select').value);
  fillAlgorithms($('encrypt-algorithm'), enc?.EncryptionAlgorithms ?? ['SYMMETRIC_DEFAULT']);
  const dec = keyInfo.get($('decrypt-key').value);
  fillAlgorithms($('decrypt-algorithm'), dec?.EncryptionAlgorithms ?? ['SYMMETRIC_DEFAULT']);
  const signer = keyInfo.get($('sign-key').value);
  fillAlgorithms($('sign-algorithm'), signer?.SigningAlgorithms ?? []);
}

async function refreshKeys(selectKeyId) {
  const metas = await loadKeys();
  keyInfo = new Map(metas.map((m) => [m.KeyId, m]));
  const body = $('keys-body');
  body.replaceChildren();
  for (const m of metas) {
    const tr = el('tr', null, { 'data-testid': 'key-row', 'data-key-id': m.KeyId });
    tr.append(
      el('td', m.KeyId, { 'data-testid': 'key-id', class: 'mono' }),
      el('td', m.KeyState, { 'data-testid': 'key-state', class: `state state-${m.KeyState}` }),
      el('td', `${m.KeySpec} · ${m.KeyUsage}`, { 'data-testid': 'key-spec' }),
      el('td', m.Description, { 'data-testid': 'key-description' }),
      el('td', formatDate(m.CreationDate), { 'data-testid': 'key-created' }),
    );
    const cell = el('td');
    if (m.KeyState === 'Enabled' || m.KeyState === 'Disabled') {
      const enable = m.KeyState === 'Disabled';
      const btn = el('button', enable ? 'Enable' : 'Disable', {
        type: 'button',
        class: 'secondary small',
        'data-testid': enable ? 'enable-key' : 'disable-key',
        'data-key-id': m.KeyId,
      });
      btn.addEventListener('click', () => action(enable ? 'EnableKey' : 'DisableKey', async () => {
        if (enable) await kms.enableKey({ KeyId: m.KeyId });
        else await kms.disableKey({ KeyId: m.KeyId });
        showNotice(`${enable ? 'Enabled' : 'Disabled'} key ${m.KeyId}.`);
        await refreshKeys();
      }));
      cell.append(btn);
    }
    tr.append(cell);
    body.append(tr);
  }
  $('keys-empty').hidden = metas.length > 0;

  const encrypting = metas.filter((m) => m.KeyUsage === 'ENCRYPT_DECRYPT');
  const preferred = (usage) => (keyInfo.get(selectKeyId)?.KeyUsage === usage ? selectKeyId : undefined);
  fillKeySelect($('key-select'), encrypting, preferred('ENCRYPT_DECRYPT'), '— create an encrypt/decrypt key first —');
  const decryptKey = $('decrypt-key');
  const chosen = decryptKey.value;
  decryptKey.replaceChildren(el('option', '(found from the ciphertext)', { value: '' }));
  for (const m of encrypting.filter((k) => k.KeySpec.startsWith('RSA_'))) {
    decryptKey.append(el('option', `${m.Description || '(no description)'} · ${m.KeySpec} · ${m.KeyId}`, { value: m.KeyId }));
  }
  if ([...decryptKey.options].some((o) => o.value === chosen)) decryptKey.value = chosen;
  fillKeySelect($('sign-key'), metas.filter((m) => m.KeyUsage === 'SIGN_VERIFY'), preferred('SIGN_VERIFY'),
    '— create a sign/verify key first —');
  syncAlgorithms();
}

// ---------- audit ----------

/** The rule names of the access decision (src/access/eval.rs `Rule`), in words. */
const RULES = {
  keyPolicy: 'key policy allows the caller',
  keyPolicyAndIdentity: 'key policy + IAM allow',
  identity: 'IAM policy allows',
  root: "the account's root user",
  grant: 'a grant allows',
  explicitDenyInKeyPolicy: 'explicit Deny in the key policy',
  explicitDenyInIdentityPolicy: 'explicit Deny in an IAM policy',
  noResourcePolicy: 'no key policy statement allows',
  noIdentityPolicy: 'no IAM policy allows',
  notCrossAccount: 'not usable across accounts',
  reservedAlias: 'alias/aws/ is reserved',
};

/** What decided the event's last authorization, from its audit record: the rule and the
 * deciding statement (its index and Sid) or grant. */
function decidedBy(e) {
  const decisions = e.additionalEventData?.authorization ?? [];
  const d = decisions[decisions.length - 1];
  if (!d) return '';
  const why = RULES[d.rule] ?? d.rule;
  const at = d.deciding;
  if (!at) return why;
  const where = at.layer === 'grant' ? `grant ${at.name.slice(0, 8)}…`
    : `statement ${at.statement}${at.sid ? ` "${at.sid}"` : ''}`;
  return `${why}: ${where}`;
}

async function renderAudit() {
  if (!kms) return;
  let events;
  try {
    // The stored trail: in IndexedDB it goes back past reloads.
    events = await kms.auditQuery();
  } catch (err) {
    showError('auditQuery', err);
    return;
  }
  const body = $('audit-body');
  body.replaceChildren();
  const last = events.slice(-AUDIT_ROWS).reverse();
  for (const e of last) {
    const tr = el('tr', null, { 'data-testid': 'audit-row' });
    tr.append(
      el('td', e.eventTime, { 'data-testid': 'audit-time', class: 'mono' }),
      el('td', e.eventName, { 'data-testid': 'audit-name' }),
      el('td', e.errorCode ?? 'ok', {
        'data-testid': 'audit-result',
        class: e.errorCode ? 'bad' : 'good',
        title: e.errorMessage ?? '',
      }),
      el('td', decidedBy(e), { 'data-testid': 'audit-why' }),
    );
    body.append(tr);
  }
  $('audit-count').textContent = `(last ${last.length} of ${events.length} kept, newest first)`;
}

/** Checks the stored trail's hash chain and digests, and says what, if anything, is wrong. */
async function verifyTrail() {
  const report = await kms.verifyAudit();
  const out = $('audit-verify-result');
  if (report.problems.length === 0) {
    out.textContent = `The trail verifies: ${report.eventsChecked} events, ${report.digestsChecked} digests, hash chain intact.`;
    out.className = 'hint good';
  } else {
    out.textContent = report.problems.map((p) => `${p.kind}${p.seq == null ? '' : ` at event ${p.seq}`}: ${p.detail}`).join('\n');
    out.className = 'hint bad';
  }
}

// ---------- backups ----------

/** Downloads the whole store as a backup encrypted under the passphrase typed in. */
async function downloadBackup() {
  const passphrase = $('backup-passphrase').value;
  if (passphrase === '') throw new InputError('Type a passphrase for the backup first.');
  const bytes = await kms.exportBackup(passphrase);
  const store = new URLSearchParams(location.search).get('store') ?? 'default';
  const link = el('a', null, {
    href: URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' })),
    download: `wasm-kms-${store}.backup`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  showNotice(`Backup of ${bytes.length} bytes made: keys, aliases and the audit trail, sealed under your passphrase.`);
}

/** Restores the chosen backup file into a new IndexedDB store and opens the page on it. */
async function restoreBackup() {
  const passphrase = $('backup-passphrase').value;
  const name = $('backup-store').value.trim();
  const file = $('backup-file').files[0];
  if (!file) throw new InputError('Choose a backup file first.');
  if (passphrase === '') throw new InputError("Type the backup's passphrase first.");
  if (name === '' || name === 'memory') throw new InputError('Name the new store (not "memory").');
  const bytes = new Uint8Array(await file.arrayBuffer());
  const restored = await Kms.restoreBackup(bytes, passphrase, { indexedDb: name, region: REGION, account: ACCOUNT });
  await restored.close();
  location.search = `?store=${encodeURIComponent(name)}`;
}

// ---------- wiring ----------

function wire() {
  $('audit-verify').addEventListener('click', () => action('VerifyAudit', verifyTrail));
  $('backup-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    action('ExportBackup', downloadBackup);
  });
  $('backup-restore').addEventListener('click', () => action('RestoreBackup', restoreBackup));
  $('create-key-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    action('CreateKey', async () => {
      const Description = $('key-description').value;
      const [KeySpec, KeyUsage] = $('key-type').value.split(' ');
      const { KeyMetadata } = await kms.createKey({ Description, KeySpec, KeyUsage });
      $('key-description').value = '';
      showNotice(`Created key ${KeyMetadata.KeyId}.`);
      await refreshKeys(KeyMetadata.KeyId);
    });
  });

  $('refresh-keys').addEventListener('click', () => action('ListKeys', () => refreshKeys()));

  $('encrypt-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    action('Encrypt', async () => {
      $('ciphertext').value = '';
      $('ciphertext-info').textContent = '';
      const EncryptionContext = parseContext($('encrypt-context').value);
      const Plaintext = new TextEncoder().encode($('plaintext').value);
      const input = { KeyId: $('key-select').value, Plaintext, EncryptionAlgorithm: $('encrypt-algorithm').value };
      if (EncryptionContext) input.EncryptionContext = EncryptionContext;
      const out = await kms.encrypt(input);
      lastEncryption = { KeyId: input.KeyId, EncryptionAlgorithm: out.EncryptionAlgorithm };
      $('ciphertext').value = bytesToBase64(out.CiphertextBlob);
      $('ciphertext-info').textContent = `${out.CiphertextBlob.length} bytes from ${Plaintext.length} bytes of plaintext · `
        + `${out.EncryptionAlgorithm} · ${out.KeyId}`;
      showNotice('Encrypted. Keep the ciphertext and the encryption context: Decrypt needs both.');
    });
  });

  $('key-select').addEventListener('change', syncAlgorithms);
  $('decrypt-key').addEventListener('change', syncAlgorithms);
  $('sign-key').addEventListener('change', syncAlgorithms);

  $('use-ciphertext').addEventListener('click', () => {
    $('decrypt-input').value = $('ciphertext').value;
    $('decrypt-context').value = $('encrypt-context').value;
    // RSA ciphertext carries no key ID: Decrypt must name the key and the algorithm.
    const rsa = lastEncryption && lastEncryption.EncryptionAlgorithm !== 'SYMMETRIC_DEFAULT';
    $('decrypt-key').value = rsa ? lastEncryption.KeyId : '';
    syncAlgorithms();
    if (rsa) $('decrypt-algorithm').value = lastEncryption.EncryptionAlgorithm;
    $('decrypt-input').focus();
  });

  $('decrypt-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    action('Decrypt', async () => {
      $('decrypted').textContent = '';
      $('decrypted-info').textContent = '';
      delete $('decrypted').dataset.done;
      const CiphertextBlob = base64ToBytes($('decrypt-input').value);
      const EncryptionContext = parseContext($('decrypt-context').value);
      const input = { CiphertextBlob };
      if (EncryptionContext) input.EncryptionContext = EncryptionContext;
      const named = $('decrypt-key').value;
      if (named) {
        input.KeyId = named;
        input.EncryptionAlgorithm = $('decrypt-algorithm').value;
      }
      const out = await kms.decrypt(input);
      let text;
      let note = '';
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(out.Plaintext);
      } catch {
        text = bytesToBase64(out.Plaintext);
        note = ' · not UTF-8 text, shown as base64';
      }
      $('decrypted').textContent = text;
      $('decrypted').dataset.done = 'true';
      $('decrypted-info').textContent = `${out.Plaintext.length} bytes · ${out.EncryptionAlgorithm} · ${out.KeyId}${note}`;
      showNotice(named
        ? 'Decrypted with the named RSA key (RSA ciphertext does not say which key made it).'
        : 'Decrypted. KMS found the key from the ciphertext itself.');
    });
  });

  const signInput = () => ({
    KeyId: $('sign-key').value,
    Message: new TextEncoder().encode($('sign-message').value),
    SigningAlgorithm: $('sign-algorithm').value,
  });

  $('sign-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    action('Sign', async () => {
      $('signature').value = '';
      $('signature-info').textContent = '';
      const out = await kms.sign(signInput());
      $('signature').value = bytesToBase64(out.Signature);
      $('signature-info').textContent = `${out.Signature.length} bytes · ${out.SigningAlgorithm} · ${out.KeyId}`;
      showNotice('Signed. Change the message or the signature and press Verify to see a bad signature refused.');
    });
  });

  $('verify').addEventListener('click', () => action('Verify', async () => {
    const Signature = base64ToBytes($('signature').value);
    const out = await kms.verify({ ...signInput(), Signature });
    $('signature-info').textContent = `SignatureValid: ${out.SignatureValid} · ${out.SigningAlgorithm} · ${out.KeyId}`;
    showNotice('The signature is valid for this message, key and algorithm.');
  }));

  $('public-key').addEventListener('click', () => action('GetPublicKey', async () => {
    const out = await kms.getPublicKey({ KeyId: $('sign-key').value });
    const b64 = bytesToBase64(out.PublicKey).replace(/.{1,64}/g, '$&\n');
    $('public-key-pem').textContent = `-----BEGIN PUBLIC KEY-----\n${b64}-----END PUBLIC KEY-----`;
    showNotice(`${out.KeySpec} public key (DER SubjectPublicKeyInfo, ${out.PublicKey.length} bytes).`);
  }));
}

/**
 * The KMS the page uses: kept in IndexedDB (the store `?store=NAME`, `default` unless named), so
 * keys and the audit trail survive a reload; `?store=memory` keeps nothing. If IndexedDB cannot
 * be used (a private window that refuses it, say), the page says so and works in memory.
 */
async function openKms() {
  const name = new URLSearchParams(location.search).get('store') ?? 'default';
  if (name === 'memory') return [new Kms({ region: REGION, account: ACCOUNT }), 'in memory (nothing is kept)'];
  try {
    const stored = await Kms.open({ indexedDb: name, region: REGION, account: ACCOUNT });
    return [stored, `kept in IndexedDB (wasm-kms:${name}), sealed under a non-extractable WebCrypto key`];
  } catch (err) {
    const why = err && err.message ? err.message : String(err);
    return [new Kms({ region: REGION, account: ACCOUNT }), `in memory: IndexedDB could not be used (${why})`];
  }
}

async function main() {
  const status = $('status');
  let where;
  try {
    await init();
    [kms, where] = await openKms();
  } catch (err) {
    status.textContent = `The KMS failed to load: ${err && err.message ? err.message : String(err)}`;
    status.classList.add('bad');
    return;
  }
  wire();
  await action('ListKeys', () => refreshKeys());
  status.textContent = `Ready · Region ${kms.region} · account ${kms.account} · ${where}`;
  document.body.dataset.ready = 'true';
}

main();
