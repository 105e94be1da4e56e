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
    renderAudit();
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

async function refreshKeys(selectKeyId) {
  const metas = await loadKeys();
  const body = $('keys-body');
  body.replaceChildren();
  for (const m of metas) {
    const tr = el('tr', null, { 'data-testid': 'key-row', 'data-key-id': m.KeyId });
    tr.append(
      el('td', m.KeyId, { 'data-testid': 'key-id', class: 'mono' }),
      el('td', m.KeyState, { 'data-testid': 'key-state', class: `state state-${m.KeyState}` }),
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

  const select = $('key-select');
  const previous = selectKeyId ?? select.value;
  select.replaceChildren();
  for (const m of metas) {
    const label = `${m.Description || '(no description)'} · ${m.KeyId}${m.KeyState === 'Enabled' ? '' : ` (${m.KeyState})`}`;
    select.append(el('option', label, { value: m.KeyId }));
  }
  if (metas.length === 0) select.append(el('option', '— create a key first —', { value: '' }));
  if (metas.some((m) => m.KeyId === previous)) select.value = previous;
  else if (metas.length > 0) select.value = metas[metas.length - 1].KeyId;
}

// ---------- audit ----------

function renderAudit() {
  if (!kms) return;
  let events;
  try {
    events = kms.auditEvents();
  } catch (err) {
    showError('auditEvents', err);
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
    );
    body.append(tr);
  }
  $('audit-count').textContent = `(last ${last.length} of ${events.length} kept, newest first)`;
}

// ---------- wiring ----------

function wire() {
  $('create-key-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    action('CreateKey', async () => {
      const Description = $('key-description').value;
      const { KeyMetadata } = await kms.createKey({ Description });
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
      const input = { KeyId: $('key-select').value, Plaintext };
      if (EncryptionContext) input.EncryptionContext = EncryptionContext;
      const out = await kms.encrypt(input);
      $('ciphertext').value = bytesToBase64(out.CiphertextBlob);
      $('ciphertext-info').textContent = `${out.CiphertextBlob.length} bytes from ${Plaintext.length} bytes of plaintext · `
        + `${out.EncryptionAlgorithm} · ${out.KeyId}`;
      showNotice('Encrypted. Keep the ciphertext and the encryption context: Decrypt needs both.');
    });
  });

  $('use-ciphertext').addEventListener('click', () => {
    $('decrypt-input').value = $('ciphertext').value;
    $('decrypt-context').value = $('encrypt-context').value;
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
      showNotice('Decrypted. KMS found the key from the ciphertext itself.');
    });
  });
}

async function main() {
  const status = $('status');
  try {
    await init();
    kms = new Kms({ region: REGION, account: ACCOUNT });
  } catch (err) {
    status.textContent = `The KMS failed to load: ${err && err.message ? err.message : String(err)}`;
    status.classList.add('bad');
    return;
  }
  wire();
  await action('ListKeys', () => refreshKeys());
  status.textContent = `Ready · Region ${kms.region} · account ${kms.account}`;
  document.body.dataset.ready = 'true';
}

main();
