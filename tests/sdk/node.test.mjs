// The official @aws-sdk/client-kms against an in-process wasm-kms through pkg/sdk.mjs's request
// handler, with no HTTP: commands, a paginator, error classes, Regions and accounts from the SigV4
// scope, aborts, a closed Kms, and the CommonJS entry (pkg/sdk.cjs).
//
// Run: node --test tests/sdk/   (needs pkg/node and pkg/web, built by `bash .ci/build.sh all release`)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import * as K from '@aws-sdk/client-kms';
import { kmsClientConfig, kmsRequestHandler } from '../../pkg/sdk.mjs';

const require = createRequire(import.meta.url);
const { Kms } = require('../../pkg/node/wasm_kms.js');
const text = (s) => new TextEncoder().encode(s);
const CREDENTIALS = { accessKeyId: '111122223333', secretAccessKey: 'not-checked' };

/** An SDK client of `kms` in `region`, through the in-process handler. */
function client(kms, region = 'eu-west-1', credentials = CREDENTIALS) {
  return new K.KMSClient({ requestHandler: kmsRequestHandler(kms), region, credentials });
}

/** The error `promise` rejects with (fails if it resolves). */
async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  return assert.fail('expected a rejection');
}

describe('@aws-sdk/client-kms with kmsRequestHandler', () => {
  const kms = new Kms();
  const sdk = client(kms);
  const newKey = async (input = {}, c = sdk) => (await c.send(new K.CreateKeyCommand(input))).KeyMetadata;

  test('CreateKey, Encrypt, Decrypt and GenerateDataKey, in the Region and account of the client', async () => {
    const key = await newKey({ Description: 'sdk' });
    assert.match(key.Arn, /^arn:aws:kms:eu-west-1:111122223333:key\/[0-9a-f-]{36}$/);
    assert.ok(key.CreationDate instanceof Date);
    const context = { purpose: 'sdk-test' };
    const enc = await sdk.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('hello'), EncryptionContext: context }));
    assert.ok(enc.CiphertextBlob instanceof Uint8Array);
    assert.equal(enc.KeyId, key.Arn);
    assert.equal(enc.$metadata.httpStatusCode, 200);
    assert.match(enc.$metadata.requestId, /^[0-9a-f-]{36}$/);
    const dec = await sdk.send(new K.DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }));
    assert.equal(new TextDecoder().decode(dec.Plaintext), 'hello');
    const wrong = await rejection(sdk.send(new K.DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })));
    assert.ok(wrong instanceof K.InvalidCiphertextException);

    const dk = await sdk.send(new K.GenerateDataKeyCommand({ KeyId: key.Arn, KeySpec: 'AES_256' }));
    assert.equal(dk.Plaintext.length, 32);
    const opened = await sdk.send(new K.DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
    assert.deepEqual(opened.Plaintext, dk.Plaintext);
    // The same KMS, seen from JavaScript directly.
    const seen = await kms.forRegion('eu-west-1').describeKey({ KeyId: key.KeyId });
    assert.equal(seen.KeyMetadata.Description, 'sdk');
  });

  test('Sign and Verify with an ECC key; the public key checks the signature', async () => {
    const key = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const message = text('release 1.4.2');
    const { Signature } = await sdk.send(new K.SignCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }));
    const ok = await sdk.send(new K.VerifyCommand({ KeyId: key.KeyId, Message: message, Signature, SigningAlgorithm: 'ECDSA_SHA_256' }));
    assert.equal(ok.SignatureValid, true);
    const { PublicKey } = await sdk.send(new K.GetPublicKeyCommand({ KeyId: key.KeyId }));
    const spki = crypto.createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' });
    assert.ok(crypto.verify('sha256', message, spki, Signature));
    const bad = await rejection(sdk.send(new K.VerifyCommand({ KeyId: key.KeyId, Message: text('another'), Signature, SigningAlgorithm: 'ECDSA_SHA_256' })));
    assert.ok(bad instanceof K.KMSInvalidSignatureException);
  });

  test('ListKeys through the SDK paginator', async () => {
    const own = new Kms();
    const c = client(own);
    const made = [];
    for (let i = 0; i < 5; i += 1) made.push((await newKey({}, c)).KeyId);
    const pages = [];
    for await (const page of K.paginateListKeys({ client: c, pageSize: 2 }, {})) pages.push(page.Keys.map((k) => k.KeyId));
    assert.deepEqual(pages.map((p) => p.length), [2, 2, 1]);
    assert.deepEqual(pages.flat().sort(), made.sort());
  });

  test('errors are the SDK classes, with AWS names, messages and status', async () => {
    const missing = await rejection(sdk.send(new K.DescribeKeyCommand({ KeyId: crypto.randomUUID() })));
    assert.ok(missing instanceof K.NotFoundException);
    assert.ok(missing instanceof K.KMSServiceException);
    assert.equal(missing.name, 'NotFoundException');
    assert.match(missing.message, /^Key 'arn:aws:kms:eu-west-1:111122223333:key\/[0-9a-f-]{36}' does not exist$/);
    assert.equal(missing.$fault, 'client');
    assert.equal(missing.$metadata.httpStatusCode, 400);

    const key = await newKey();
    await sdk.send(new K.DisableKeyCommand({ KeyId: key.KeyId }));
    const disabled = await rejection(sdk.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') })));
    assert.ok(disabled instanceof K.DisabledException);
    assert.match(disabled.message, /is disabled/);

    const invalid = await rejection(sdk.send(new K.GenerateRandomCommand({ NumberOfBytes: 5000 })));
    assert.ok(invalid instanceof K.KMSServiceException);
    assert.equal(invalid.name, 'ValidationException');
  });

  test('the Region is the client\'s (SigV4 scope); the account its 12-digit access key, else the Kms\'s', async () => {
    const shared = new Kms({ account: '444455556666' });
    const west = client(shared, 'eu-west-1');
    const east = client(shared, 'us-east-1');
    const key = await newKey({}, west);
    const lost = await rejection(east.send(new K.DescribeKeyCommand({ KeyId: key.KeyId })));
    assert.ok(lost instanceof K.NotFoundException);
    const eastKeys = (await east.send(new K.ListKeysCommand({}))).Keys.map((k) => k.KeyId);
    assert.ok(!eastKeys.includes(key.KeyId));
    const westKeys = (await west.send(new K.ListKeysCommand({}))).Keys.map((k) => k.KeyId);
    assert.ok(westKeys.includes(key.KeyId));

    // An unknown access key is refused; an IAM user's is that user, in its account.
    const unknown = client(shared, 'ap-south-1', { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' });
    const refused = await rejection(newKey({}, unknown));
    assert.equal(refused.name, 'UnrecognizedClientException');
    await shared.iam('CreateUser', { UserName: 'sdk-user' });
    await shared.iam('AttachUserPolicy', { UserName: 'sdk-user', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
    const { AccessKey } = await shared.iam('CreateAccessKey', { UserName: 'sdk-user' });
    const asUser = client(shared, 'ap-south-1', { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey });
    const theirs = await newKey({}, asUser);
    assert.match(theirs.Arn, /^arn:aws:kms:ap-south-1:444455556666:key\//);
  });

  test('kmsClientConfig: the Kms\'s Region and account, overrides on top', async () => {
    const own = new Kms({ region: 'eu-central-1', account: '777788889999' });
    const c = new K.KMSClient(kmsClientConfig(own));
    const key = await newKey({}, c);
    assert.match(key.Arn, /^arn:aws:kms:eu-central-1:777788889999:key\//);
    const north = new K.KMSClient(kmsClientConfig(own, { region: 'eu-north-1' }));
    assert.match((await newKey({}, north)).Arn, /^arn:aws:kms:eu-north-1:777788889999:key\//);
    c.destroy(); // the handler's destroy leaves the Kms open
    assert.equal((await own.forRegion('eu-central-1').listKeys({})).Keys.length, 1);
  });

  test('an aborted call rejects with AbortError', async () => {
    const controller = new AbortController();
    controller.abort();
    const aborted = await rejection(sdk.send(new K.ListKeysCommand({}), { abortSignal: controller.signal }));
    assert.equal(aborted.name, 'AbortError');
    // Aborted while the Kms works on it: the handler rejects at once.
    const later = new AbortController();
    const pending = kmsRequestHandler(kms).handle(
      { headers: { 'x-amz-target': 'TrentService.ListKeys' }, body: '{}' }, { abortSignal: later.signal });
    later.abort();
    assert.equal((await rejection(pending)).name, 'AbortError');
  });

  test('a closed Kms answers a server fault, which the SDK surfaces as an error', async () => {
    const own = new Kms();
    const c = new K.KMSClient(kmsClientConfig(own));
    await own.close();
    const e = await rejection(c.send(new K.ListKeysCommand({})));
    assert.ok(e instanceof K.KMSInternalException);
    assert.match(e.message, /closed/);
    assert.equal(e.$fault, 'server');
    assert.equal(e.$metadata.httpStatusCode, 500);
  });

  test('the handler by itself: header names in any case, bytes bodies, other services', async () => {
    const handler = kmsRequestHandler(new Kms());
    const { response } = await handler.handle({
      headers: { 'X-Amz-Target': 'TrentService.GenerateRandom', 'Content-Type': 'application/x-amz-json-1.1' },
      body: text('{"NumberOfBytes":4}'),
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/x-amz-json-1.1');
    assert.equal(Buffer.from(JSON.parse(new TextDecoder().decode(response.body)).Plaintext, 'base64').length, 4);
    const other = (await handler.handle({ headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables' }, body: '{}' })).response;
    assert.equal(other.statusCode, 400);
    assert.equal(other.headers['x-amzn-errortype'], 'UnknownOperationException');
    assert.throws(() => kmsRequestHandler({}), TypeError);
    handler.updateHttpClientConfig('requestTimeout', 5);
    assert.equal(handler.httpHandlerConfigs().requestTimeout, 5);
  });

  test('require(\'pkg/sdk.cjs\') gives the same functions as sdk.mjs', async () => {
    const cjs = require('../../pkg/sdk.cjs');
    assert.deepEqual(Object.keys(cjs).sort(), ['kmsClientConfig', 'kmsRequestHandler']);
    assert.equal(cjs.kmsRequestHandler, kmsRequestHandler);
    const c = new K.KMSClient(cjs.kmsClientConfig(new Kms()));
    const random = await c.send(new K.GenerateRandomCommand({ NumberOfBytes: 16 }));
    assert.equal(random.Plaintext.length, 16);
  });
});
