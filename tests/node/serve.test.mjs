// The AWS-compatible local endpoint (`wasm-kms serve`, pkg/server.mjs) against the official
// @aws-sdk/client-kms and raw HTTP: every operation family, errors by name and class, the JSON
// 1.1 protocol's edge cases, several Regions and accounts at once, concurrency, and a clean
// SIGTERM on a data directory with nothing acknowledged lost.
//
// Run: node --test tests/node/   (needs pkg/node, built by `bash .ci/build.sh all release`)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as K from '@aws-sdk/client-kms';
import { MAX_BODY_BYTES, callerOf, serve } from '../../pkg/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.join(here, '..', '..', 'pkg', 'bin', 'wasm-kms.mjs');
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'wkms-serve-'));
const text = (s) => new TextEncoder().encode(s);

/** An SDK client of the endpoint at `url`, in `region`, as access key `accessKeyId`. */
function client(url, region = 'us-east-1', accessKeyId = '111122223333', maxAttempts = 1) {
  return new K.KMSClient({
    endpoint: url,
    region,
    credentials: { accessKeyId, secretAccessKey: 'not-checked' },
    maxAttempts,
  });
}

/** The error `promise` rejects with (fails if it resolves). */
async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

/** A raw JSON 1.1 request: `{ status, headers, json }`. */
async function post(url, { target, body = '{}', headers = {} } = {}) {
  const h = { 'Content-Type': 'application/x-amz-json-1.1', ...headers };
  if (target !== undefined) h['X-Amz-Target'] = target;
  const res = await fetch(url, { method: 'POST', headers: h, body });
  const raw = await res.text();
  return { status: res.status, headers: res.headers, json: raw ? JSON.parse(raw) : null };
}

describe('the endpoint with @aws-sdk/client-kms', () => {
  let endpoint;
  let kms;
  before(async () => {
    endpoint = await serve({ port: 0 });
    kms = client(endpoint.url);
  });
  after(async () => {
    kms.destroy();
    await endpoint.close();
  });

  const newKey = async (input = {}) =>
    (await kms.send(new K.CreateKeyCommand(input))).KeyMetadata;

  test('binds to 127.0.0.1 and keys get the Region and account of the request', async () => {
    assert.equal(endpoint.host, '127.0.0.1');
    const meta = await newKey({ Description: 'first' });
    assert.equal(meta.AWSAccountId, '111122223333');
    assert.match(meta.Arn, /^arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36}$/);
    assert.ok(meta.CreationDate instanceof Date);
    assert.ok(Math.abs(meta.CreationDate.getTime() - Date.now()) < 60_000);
    const described = await kms.send(new K.DescribeKeyCommand({ KeyId: meta.KeyId }));
    assert.equal(described.KeyMetadata.Description, 'first');
    assert.equal(described.KeyMetadata.KeyState, 'Enabled');
    const listed = await kms.send(new K.ListKeysCommand({}));
    assert.ok(listed.Keys.some((k) => k.KeyId === meta.KeyId && k.KeyArn === meta.Arn));
    await kms.send(new K.UpdateKeyDescriptionCommand({ KeyId: meta.KeyId, Description: 'second' }));
    const again = await kms.send(new K.DescribeKeyCommand({ KeyId: meta.Arn }));
    assert.equal(again.KeyMetadata.Description, 'second');
  });

  test('Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, GenerateRandom', async () => {
    const a = await newKey();
    const b = await newKey();
    const context = { purpose: 'test' };
    const enc = await kms.send(new K.EncryptCommand({ KeyId: a.KeyId, Plaintext: text('hello'), EncryptionContext: context }));
    assert.ok(enc.CiphertextBlob instanceof Uint8Array);
    assert.equal(enc.KeyId, a.Arn);
    const dec = await kms.send(new K.DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }));
    assert.equal(new TextDecoder().decode(dec.Plaintext), 'hello');
    assert.equal(dec.KeyId, a.Arn);
    // The context is bound into the ciphertext.
    const wrong = await rejection(kms.send(new K.DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })));
    assert.ok(wrong instanceof K.InvalidCiphertextException);
    assert.equal(wrong.$metadata.httpStatusCode, 400);

    const re = await kms.send(new K.ReEncryptCommand({
      CiphertextBlob: enc.CiphertextBlob,
      SourceEncryptionContext: context,
      DestinationKeyId: b.KeyId,
    }));
    assert.equal(re.SourceKeyId, a.Arn);
    assert.equal(re.KeyId, b.Arn);
    const back = await kms.send(new K.DecryptCommand({ CiphertextBlob: re.CiphertextBlob }));
    assert.equal(new TextDecoder().decode(back.Plaintext), 'hello');

    const dk = await kms.send(new K.GenerateDataKeyCommand({ KeyId: a.KeyId, KeySpec: 'AES_256' }));
    assert.equal(dk.Plaintext.length, 32);
    const opened = await kms.send(new K.DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
    assert.deepEqual(opened.Plaintext, dk.Plaintext);
    const dk2 = await kms.send(new K.GenerateDataKeyWithoutPlaintextCommand({ KeyId: a.KeyId, NumberOfBytes: 16 }));
    assert.equal(dk2.Plaintext, undefined);
    assert.equal((await kms.send(new K.DecryptCommand({ CiphertextBlob: dk2.CiphertextBlob }))).Plaintext.length, 16);

    const pair = await kms.send(new K.GenerateDataKeyPairCommand({ KeyId: a.KeyId, KeyPairSpec: 'ECC_NIST_P256' }));
    const publicKey = crypto.createPublicKey({ key: Buffer.from(pair.PublicKey), format: 'der', type: 'spki' });
    assert.equal(publicKey.asymmetricKeyDetails.namedCurve, 'prime256v1');
    const privateDer = (await kms.send(new K.DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }))).Plaintext;
    assert.deepEqual(privateDer, pair.PrivateKeyPlaintext);

    const random = await kms.send(new K.GenerateRandomCommand({ NumberOfBytes: 64 }));
    assert.equal(random.Plaintext.length, 64);
  });

  test('aliases', async () => {
    const a = await newKey();
    const b = await newKey();
    await kms.send(new K.CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: a.KeyId }));
    const enc = await kms.send(new K.EncryptCommand({ KeyId: 'alias/app', Plaintext: text('x') }));
    assert.equal(enc.KeyId, a.Arn);
    const aliases = await kms.send(new K.ListAliasesCommand({ KeyId: a.KeyId }));
    assert.deepEqual(aliases.Aliases.map((x) => x.AliasName), ['alias/app']);
    assert.equal(aliases.Aliases[0].AliasArn, 'arn:aws:kms:us-east-1:111122223333:alias/app');
    await kms.send(new K.UpdateAliasCommand({ AliasName: 'alias/app', TargetKeyId: b.KeyId }));
    const described = await kms.send(new K.DescribeKeyCommand({ KeyId: 'alias/app' }));
    assert.equal(described.KeyMetadata.KeyId, b.KeyId);
    const taken = await rejection(kms.send(new K.CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: a.KeyId })));
    assert.ok(taken instanceof K.AlreadyExistsException);
    await kms.send(new K.DeleteAliasCommand({ AliasName: 'alias/app' }));
    const gone = await rejection(kms.send(new K.DescribeKeyCommand({ KeyId: 'alias/app' })));
    assert.ok(gone instanceof K.NotFoundException);
    assert.equal(gone.message, 'Alias arn:aws:kms:us-east-1:111122223333:alias/app is not found.');
  });

  test('tags', async () => {
    const key = await newKey({ Tags: [{ TagKey: 'team', TagValue: 'a' }] });
    await kms.send(new K.TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'env', TagValue: 'dev' }] }));
    const tags = await kms.send(new K.ListResourceTagsCommand({ KeyId: key.KeyId }));
    assert.deepEqual(
      tags.Tags.map((t) => `${t.TagKey}=${t.TagValue}`).sort(),
      ['env=dev', 'team=a'],
    );
    await kms.send(new K.UntagResourceCommand({ KeyId: key.KeyId, TagKeys: ['team'] }));
    const left = await kms.send(new K.ListResourceTagsCommand({ KeyId: key.KeyId }));
    assert.deepEqual(left.Tags, [{ TagKey: 'env', TagValue: 'dev' }]);
    const reserved = await rejection(kms.send(new K.TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'aws:x', TagValue: 'y' }] })));
    assert.ok(reserved instanceof K.TagException);
  });

  test('enable, disable, and DisabledException', async () => {
    const key = await newKey();
    await kms.send(new K.DisableKeyCommand({ KeyId: key.KeyId }));
    const e = await rejection(kms.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') })));
    assert.ok(e instanceof K.DisabledException);
    assert.equal(e.name, 'DisabledException');
    assert.equal(e.$fault, 'client');
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.equal(e.message, `${key.Arn} is disabled.`);
    await kms.send(new K.EnableKeyCommand({ KeyId: key.KeyId }));
    await kms.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') }));
  });

  test('ScheduleKeyDeletion and CancelKeyDeletion', async () => {
    const key = await newKey();
    const scheduled = await kms.send(new K.ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    assert.equal(scheduled.PendingWindowInDays, 7);
    assert.ok(scheduled.DeletionDate instanceof Date);
    const days = (scheduled.DeletionDate.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days < 7.1, `deletion in ${days} days`);
    const e = await rejection(kms.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') })));
    assert.ok(e instanceof K.KMSInvalidStateException);
    const cancelled = await kms.send(new K.CancelKeyDeletionCommand({ KeyId: key.KeyId }));
    assert.equal(cancelled.KeyId, key.Arn);
    const described = await kms.send(new K.DescribeKeyCommand({ KeyId: key.KeyId }));
    assert.equal(described.KeyMetadata.KeyState, 'Disabled');
  });

  test('rotation', async () => {
    const key = await newKey();
    const before = await kms.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('old') }));
    await kms.send(new K.EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 90 }));
    const status = await kms.send(new K.GetKeyRotationStatusCommand({ KeyId: key.KeyId }));
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 90);
    assert.ok(status.NextRotationDate instanceof Date);
    await kms.send(new K.RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
    const rotations = await kms.send(new K.ListKeyRotationsCommand({ KeyId: key.KeyId }));
    assert.equal(rotations.Rotations.length, 1);
    assert.equal(rotations.Rotations[0].RotationType, 'ON_DEMAND');
    assert.ok(rotations.Rotations[0].RotationDate instanceof Date);
    const dec = await kms.send(new K.DecryptCommand({ CiphertextBlob: before.CiphertextBlob }));
    assert.equal(new TextDecoder().decode(dec.Plaintext), 'old');
    await kms.send(new K.DisableKeyRotationCommand({ KeyId: key.KeyId }));
    assert.equal((await kms.send(new K.GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled, false);
  });

  test('asymmetric Sign, Verify and GetPublicKey, checked with node:crypto', async () => {
    const key = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const message = text('signed message');
    const signed = await kms.send(new K.SignCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }));
    const verified = await kms.send(new K.VerifyCommand({
      KeyId: key.KeyId, Message: message, Signature: signed.Signature, SigningAlgorithm: 'ECDSA_SHA_256',
    }));
    assert.equal(verified.SignatureValid, true);
    const pub = await kms.send(new K.GetPublicKeyCommand({ KeyId: key.KeyId }));
    assert.equal(pub.KeySpec, 'ECC_NIST_P256');
    assert.deepEqual(pub.SigningAlgorithms, ['ECDSA_SHA_256']);
    const publicKey = crypto.createPublicKey({ key: Buffer.from(pub.PublicKey), format: 'der', type: 'spki' });
    assert.ok(crypto.verify('sha256', message, publicKey, signed.Signature));
    const bad = await rejection(kms.send(new K.VerifyCommand({
      KeyId: key.KeyId, Message: text('other'), Signature: signed.Signature, SigningAlgorithm: 'ECDSA_SHA_256',
    })));
    assert.ok(bad instanceof K.KMSInvalidSignatureException);
    const usage = await rejection(kms.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') })));
    assert.ok(usage instanceof K.InvalidKeyUsageException);
  });

  test('RSA keys over the endpoint: PSS signatures and OAEP decryption, checked with node:crypto', async () => {
    const signer = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    const message = text('signed with RSA');
    const signed = await kms.send(new K.SignCommand({ KeyId: signer.KeyId, Message: message, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }));
    const signerPub = await kms.send(new K.GetPublicKeyCommand({ KeyId: signer.KeyId }));
    const verifyKey = crypto.createPublicKey({ key: Buffer.from(signerPub.PublicKey), format: 'der', type: 'spki' });
    assert.ok(crypto.verify('sha256', message, {
      key: verifyKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32,
    }, signed.Signature));
    const checked = await kms.send(new K.VerifyCommand({
      KeyId: signer.KeyId, Message: message, Signature: signed.Signature, SigningAlgorithm: 'RSASSA_PSS_SHA_256',
    }));
    assert.equal(checked.SignatureValid, true);

    const decrypter = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const pub = await kms.send(new K.GetPublicKeyCommand({ KeyId: decrypter.KeyId }));
    const encryptKey = crypto.createPublicKey({ key: Buffer.from(pub.PublicKey), format: 'der', type: 'spki' });
    const sealed = crypto.publicEncrypt({
      key: encryptKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256',
    }, Buffer.from('for RSA only'));
    const opened = await kms.send(new K.DecryptCommand({
      KeyId: decrypter.KeyId, CiphertextBlob: sealed, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    }));
    assert.equal(new TextDecoder().decode(opened.Plaintext), 'for RSA only');
  });

  test('imported key material: GetParametersForImport, ImportKeyMaterial (wrapped with node:crypto), DeleteImportedKeyMaterial', async () => {
    const key = await newKey({ Origin: 'EXTERNAL' });
    assert.equal(key.KeyState, 'PendingImport');
    const params = await kms.send(new K.GetParametersForImportCommand({
      KeyId: key.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048',
    }));
    const wrappingKey = crypto.createPublicKey({ key: Buffer.from(params.PublicKey), format: 'der', type: 'spki' });
    const material = crypto.randomBytes(32);
    const wrapped = crypto.publicEncrypt({
      key: wrappingKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256',
    }, material);
    await kms.send(new K.ImportKeyMaterialCommand({
      KeyId: key.KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapped,
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    }));
    const sealed = await kms.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('imported') }));
    const opened = await kms.send(new K.DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
    assert.equal(new TextDecoder().decode(opened.Plaintext), 'imported');
    await kms.send(new K.DeleteImportedKeyMaterialCommand({ KeyId: key.KeyId }));
    const gone = await rejection(kms.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') })));
    assert.ok(gone instanceof K.KMSInvalidStateException, gone.name);
  });

  test('DeriveSharedSecret agrees with node:crypto ECDH', async () => {
    const key = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' });
    const peer = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const derived = await kms.send(new K.DeriveSharedSecretCommand({
      KeyId: key.KeyId, KeyAgreementAlgorithm: 'ECDH',
      PublicKey: peer.publicKey.export({ format: 'der', type: 'spki' }),
    }));
    const pub = await kms.send(new K.GetPublicKeyCommand({ KeyId: key.KeyId }));
    const theirs = crypto.diffieHellman({
      privateKey: peer.privateKey,
      publicKey: crypto.createPublicKey({ key: Buffer.from(pub.PublicKey), format: 'der', type: 'spki' }),
    });
    assert.deepEqual(Buffer.from(derived.SharedSecret), theirs);
  });

  test('HMAC GenerateMac and VerifyMac', async () => {
    const key = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const message = text('mac me');
    const mac = await kms.send(new K.GenerateMacCommand({ KeyId: key.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }));
    assert.equal(mac.Mac.length, 32);
    const ok = await kms.send(new K.VerifyMacCommand({ KeyId: key.KeyId, Message: message, Mac: mac.Mac, MacAlgorithm: 'HMAC_SHA_256' }));
    assert.equal(ok.MacValid, true);
    const tampered = Uint8Array.from(mac.Mac);
    tampered[0] ^= 1;
    const e = await rejection(kms.send(new K.VerifyMacCommand({ KeyId: key.KeyId, Message: message, Mac: tampered, MacAlgorithm: 'HMAC_SHA_256' })));
    assert.ok(e instanceof K.KMSInvalidMacException);
  });

  test('key policies: the default policy is read, a new one is written and enforced', async () => {
    const key = await newKey();
    const names = await kms.send(new K.ListKeyPoliciesCommand({ KeyId: key.KeyId }));
    assert.deepEqual(names.PolicyNames, ['default']);
    const { Policy } = await kms.send(new K.GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default' }));
    const policy = JSON.parse(Policy);
    assert.equal(policy.Statement[0].Principal.AWS, 'arn:aws:iam::111122223333:root');
    // A policy that denies Encrypt without an encryption context.
    policy.Statement.push({
      Sid: 'WithContext', Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*',
      Condition: { Null: { 'kms:EncryptionContextKeys': 'true' } },
    });
    await kms.send(new K.PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: JSON.stringify(policy) }));
    const back = await kms.send(new K.GetKeyPolicyCommand({ KeyId: key.KeyId }));
    assert.deepEqual(JSON.parse(back.Policy), policy);
    const denied = await rejection(kms.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') })));
    assert.equal(denied.name, 'AccessDeniedException');
    assert.equal(denied.message, `User: arn:aws:iam::111122223333:root is not authorized to perform: kms:Encrypt on resource: ${key.Arn} with an explicit deny in a resource-based policy`);
    await kms.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x'), EncryptionContext: { app: 'a' } }));
  });

  test('grants: CreateGrant, Encrypt with its token, ListGrants, RetireGrant', async () => {
    const key = await newKey();
    const grantee = 'arn:aws:iam::111122223333:role/app';
    const grant = await kms.send(new K.CreateGrantCommand({
      KeyId: key.KeyId, GranteePrincipal: grantee, Operations: ['Encrypt', 'Decrypt'],
      Constraints: { EncryptionContextSubset: { app: 'a' } }, Name: 'app-grant',
    }));
    assert.match(grant.GrantId, /^[0-9a-f]{64}$/);
    assert.ok(grant.GrantToken.length > 0);
    const enc = await kms.send(new K.EncryptCommand({
      KeyId: key.KeyId, Plaintext: text('granted'), EncryptionContext: { app: 'a' }, GrantTokens: [grant.GrantToken],
    }));
    assert.equal(enc.KeyId, key.Arn);
    const bad = await rejection(kms.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x'), GrantTokens: ['nope'] })));
    assert.ok(bad instanceof K.InvalidGrantTokenException);
    const { Grants } = await kms.send(new K.ListGrantsCommand({ KeyId: key.KeyId }));
    assert.equal(Grants.length, 1);
    assert.equal(Grants[0].GrantId, grant.GrantId);
    assert.equal(Grants[0].GranteePrincipal, grantee);
    assert.equal(Grants[0].Name, 'app-grant');
    assert.equal(Grants[0].IssuingAccount, 'arn:aws:iam::111122223333:root');
    assert.deepEqual(Grants[0].Operations, ['Decrypt', 'Encrypt']);
    assert.deepEqual(Grants[0].Constraints, { EncryptionContextSubset: { app: 'a' } });
    assert.ok(Grants[0].CreationDate instanceof Date);
    await kms.send(new K.RetireGrantCommand({ GrantToken: grant.GrantToken }));
    const after = await kms.send(new K.ListGrantsCommand({ KeyId: key.KeyId }));
    assert.deepEqual(after.Grants, []);
    const gone = await rejection(kms.send(new K.RevokeGrantCommand({ KeyId: key.KeyId, GrantId: grant.GrantId })));
    assert.ok(gone instanceof K.NotFoundException);
  });

  test('multi-Region keys across two Regions of one server', async () => {
    const east = kms;
    const west = client(endpoint.url, 'eu-west-1');
    try {
      const primary = await newKey({ MultiRegion: true });
      assert.match(primary.KeyId, /^mrk-[0-9a-f]{32}$/);
      const enc = await east.send(new K.EncryptCommand({ KeyId: primary.KeyId, Plaintext: text('everywhere') }));
      const replicated = await east.send(new K.ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: 'eu-west-1' }));
      assert.equal(replicated.ReplicaKeyMetadata.Arn, `arn:aws:kms:eu-west-1:111122223333:key/${primary.KeyId}`);
      const replica = await west.send(new K.DescribeKeyCommand({ KeyId: primary.KeyId }));
      assert.equal(replica.KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType, 'REPLICA');
      assert.equal(replica.KeyMetadata.MultiRegionConfiguration.PrimaryKey.Region, 'us-east-1');
      const dec = await west.send(new K.DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
      assert.equal(new TextDecoder().decode(dec.Plaintext), 'everywhere');
      assert.equal(dec.KeyId, replicated.ReplicaKeyMetadata.Arn);
      // A plain key stays in its Region.
      const local = await newKey();
      const e = await rejection(west.send(new K.DescribeKeyCommand({ KeyId: local.KeyId })));
      assert.ok(e instanceof K.NotFoundException);
      assert.equal(e.message, `Key 'arn:aws:kms:eu-west-1:111122223333:key/${local.KeyId}' does not exist`);
      // UpdatePrimaryRegion is called in the primary's Region.
      await east.send(new K.UpdatePrimaryRegionCommand({ KeyId: primary.KeyId, PrimaryRegion: 'eu-west-1' }));
      const moved = await east.send(new K.DescribeKeyCommand({ KeyId: primary.KeyId }));
      assert.equal(moved.KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType, 'REPLICA');
      const promoted = await west.send(new K.DescribeKeyCommand({ KeyId: primary.KeyId }));
      assert.equal(promoted.KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType, 'PRIMARY');
    } finally {
      west.destroy();
    }
  });

  test('accounts come from 12-digit access key IDs; an unknown access key is refused', async () => {
    const other = client(endpoint.url, 'us-east-1', '123456789012');
    const anonymous = client(endpoint.url, 'us-east-1', '000000000000');
    const unknown = client(endpoint.url, 'us-east-1', 'AKIAEXAMPLEEXAMPLE');
    try {
      const refused = await rejection(unknown.send(new K.ListKeysCommand({})));
      assert.equal(refused.name, 'UnrecognizedClientException');
      assert.equal(refused.message, 'The security token included in the request is invalid.');
      const theirs = (await other.send(new K.CreateKeyCommand({}))).KeyMetadata;
      assert.equal(theirs.AWSAccountId, '123456789012');
      assert.match(theirs.Arn, /^arn:aws:kms:us-east-1:123456789012:key\//);
      const { Policy } = await other.send(new K.GetKeyPolicyCommand({ KeyId: theirs.KeyId, PolicyName: 'default' }));
      assert.equal(JSON.parse(Policy).Statement[0].Principal.AWS, 'arn:aws:iam::123456789012:root');
      const defaulted = (await anonymous.send(new K.CreateKeyCommand({}))).KeyMetadata;
      assert.equal(defaulted.AWSAccountId, '000000000000');
      // Each account sees only its own keys, and has its own alias names.
      const listed = async (c) => (await c.send(new K.ListKeysCommand({}))).Keys.map((k) => k.KeyId);
      assert.deepEqual(await listed(other), [theirs.KeyId]);
      assert.ok(!(await listed(kms)).includes(theirs.KeyId));
      await other.send(new K.CreateAliasCommand({ AliasName: 'alias/per-account', TargetKeyId: theirs.KeyId }));
      await anonymous.send(new K.CreateAliasCommand({ AliasName: 'alias/per-account', TargetKeyId: defaulted.KeyId }));
      const viaAlias = await other.send(new K.DescribeKeyCommand({ KeyId: 'alias/per-account' }));
      assert.equal(viaAlias.KeyMetadata.KeyId, theirs.KeyId);
      const foreign = await rejection(anonymous.send(new K.DescribeKeyCommand({ KeyId: theirs.KeyId })));
      assert.ok(foreign instanceof K.NotFoundException, foreign.name);
    } finally {
      other.destroy();
      anonymous.destroy();
      unknown.destroy();
    }
  });

  test('errors by name: NotFoundException, ValidationException, InvalidArnException', async () => {
    const missing = await rejection(kms.send(new K.DescribeKeyCommand({ KeyId: '11111111-2222-4333-8444-555555555555' })));
    assert.ok(missing instanceof K.NotFoundException);
    assert.ok(missing instanceof K.KMSServiceException);
    assert.equal(missing.$fault, 'client');
    assert.equal(missing.message, "Key 'arn:aws:kms:us-east-1:111122223333:key/11111111-2222-4333-8444-555555555555' does not exist");
    const invalid = await rejection(kms.send(new K.GenerateRandomCommand({ NumberOfBytes: 0 })));
    assert.ok(invalid instanceof K.KMSServiceException);
    assert.equal(invalid.name, 'ValidationException');
    assert.equal(invalid.$metadata.httpStatusCode, 400);
    assert.equal(invalid.message, "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1");
    const arn = await rejection(kms.send(new K.DescribeKeyCommand({ KeyId: 'arn:aws:kms:us-east-1:nope' })));
    assert.ok(arn instanceof K.InvalidArnException || arn instanceof K.NotFoundException, arn.name);
  });

  test('concurrent requests are each answered once and correctly', async () => {
    const key = await newKey();
    const many = Array.from({ length: 64 }, (_, i) => i);
    const encrypted = await Promise.all(many.map((i) =>
      kms.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text(`message ${i}`), EncryptionContext: { i: String(i) } }))));
    const decrypted = await Promise.all(encrypted.map((e, i) =>
      kms.send(new K.DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { i: String(i) } }))));
    decrypted.forEach((d, i) => assert.equal(new TextDecoder().decode(d.Plaintext), `message ${i}`));
    const created = await Promise.all(many.slice(0, 16).map(() => newKey()));
    assert.equal(new Set(created.map((k) => k.KeyId)).size, 16);
  });
});

describe('the JSON 1.1 protocol over raw HTTP', () => {
  let endpoint;
  before(async () => {
    endpoint = await serve({ port: 0 });
  });
  after(async () => {
    await endpoint.close();
  });

  test('a success carries the content type and a request ID', async () => {
    const r = await post(endpoint.url, { target: 'TrentService.ListKeys' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/x-amz-json-1.1');
    assert.match(r.headers.get('x-amzn-requestid'), /^[0-9a-f-]{36}$/);
    assert.equal(r.headers.get('x-amzn-errortype'), null);
    assert.deepEqual(r.json, { Keys: [], Truncated: false });
    // An empty body is taken as {}.
    assert.equal((await post(endpoint.url, { target: 'TrentService.ListKeys', body: '' })).status, 200);
  });

  test('blobs are base64 and timestamps epoch seconds', async () => {
    const created = await post(endpoint.url, { target: 'TrentService.CreateKey' });
    const seconds = created.json.KeyMetadata.CreationDate;
    assert.equal(typeof seconds, 'number');
    assert.ok(Math.abs(seconds - Date.now() / 1000) < 60, `${seconds}`);
    const keyId = created.json.KeyMetadata.KeyId;
    const enc = await post(endpoint.url, {
      target: 'TrentService.Encrypt',
      body: JSON.stringify({ KeyId: keyId, Plaintext: Buffer.from('hi').toString('base64') }),
    });
    assert.equal(enc.status, 200);
    assert.match(enc.json.CiphertextBlob, /^[A-Za-z0-9+/]+=*$/);
    const dec = await post(endpoint.url, {
      target: 'TrentService.Decrypt',
      body: JSON.stringify({ CiphertextBlob: enc.json.CiphertextBlob }),
    });
    assert.equal(Buffer.from(dec.json.Plaintext, 'base64').toString(), 'hi');
  });

  test('a context member named __proto__ is bound like any other; a wrong-typed member inside it is named by its path', async () => {
    const keyId = (await post(endpoint.url, { target: 'TrentService.CreateKey' })).json.KeyMetadata.KeyId;
    const plaintext = Buffer.from('proto').toString('base64');
    const enc = await post(endpoint.url, {
      target: 'TrentService.Encrypt',
      body: `{"KeyId": "${keyId}", "Plaintext": "${plaintext}", "EncryptionContext": {"__proto__": "p"}}`,
    });
    assert.equal(enc.status, 200);
    const decrypt = (context) => post(endpoint.url, {
      target: 'TrentService.Decrypt',
      body: `{"CiphertextBlob": "${enc.json.CiphertextBlob}"${context === undefined ? '' : `, "EncryptionContext": ${context}`}}`,
    });
    assert.equal((await decrypt()).json.__type, 'InvalidCiphertextException');
    assert.equal((await decrypt('{"__proto__": "q"}')).json.__type, 'InvalidCiphertextException');
    assert.equal((await decrypt('{"__proto__": "p"}')).json.Plaintext, plaintext);
    // A wrong-typed member inside a map is named by its path.
    const nested = await post(endpoint.url, {
      target: 'TrentService.Encrypt',
      body: `{"KeyId": "${keyId}", "Plaintext": "${plaintext}", "EncryptionContext": {"a": 5}}`,
    });
    assert.deepEqual(nested.json, {
      __type: 'SerializationException',
      message: 'The value of member EncryptionContext.a is not of the type the operation expects.',
    });
    const random = await post(endpoint.url, { target: 'TrentService.GenerateRandom', body: '{"NumberOfBytes": 16}' });
    assert.equal(Buffer.from(random.json.Plaintext, 'base64').length, 16);
  });

  test('an unknown target is an UnknownOperationException', async () => {
    const r = await post(endpoint.url, { target: 'TrentService.Frobnicate' });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    assert.deepEqual(r.json, { __type: 'UnknownOperationException', message: 'Operation Frobnicate is not a KMS operation.' });
    const other = await post(endpoint.url, { target: 'DynamoDB_20120810.ListTables' });
    assert.equal(other.status, 400);
    assert.equal(other.json.__type, 'UnknownOperationException');
  });

  test('a missing target header is an UnknownOperationException', async () => {
    const r = await post(endpoint.url, {});
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    assert.match(r.json.message, /X-Amz-Target/);
  });

  test('malformed JSON and a body that is not an object are SerializationExceptions', async () => {
    for (const body of ['{"KeyId": ', 'not json', '[1, 2]', '"text"', '{} {}']) {
      const r = await post(endpoint.url, { target: 'TrentService.DescribeKey', body });
      assert.equal(r.status, 400, body);
      assert.equal(r.headers.get('x-amzn-errortype'), 'SerializationException', body);
      assert.equal(r.json.__type, 'SerializationException', body);
    }
  });

  test('a wrong-typed member is a SerializationException; a missing one a ValidationException', async () => {
    const typed = await post(endpoint.url, { target: 'TrentService.DescribeKey', body: '{"KeyId": 5}' });
    assert.equal(typed.status, 400);
    assert.deepEqual(typed.json, {
      __type: 'SerializationException',
      message: 'The value of member KeyId is not of the type the operation expects.',
    });
    const missing = await post(endpoint.url, { target: 'TrentService.DescribeKey', body: '{}' });
    assert.equal(missing.status, 400);
    assert.equal(missing.headers.get('x-amzn-errortype'), 'ValidationException');
    assert.deepEqual(missing.json, {
      __type: 'ValidationException',
      message: "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    });
    // No message member where AWS sends none.
    const blob = await post(endpoint.url, { target: 'TrentService.Decrypt', body: '{"CiphertextBlob": "AAAA"}' });
    assert.deepEqual(blob.json, { __type: 'InvalidCiphertextException' });
  });

  test('an oversized body gets 413 and a JSON error', async () => {
    const body = JSON.stringify({ KeyId: 'alias/x', Plaintext: 'A'.repeat(MAX_BODY_BYTES) });
    const r = await post(endpoint.url, { target: 'TrentService.Encrypt', body });
    assert.equal(r.status, 413);
    assert.equal(r.headers.get('x-amzn-errortype'), 'RequestEntityTooLargeException');
    assert.equal(r.json.__type, 'RequestEntityTooLargeException');
    // Just under the limit, the KMS answers (here: the plaintext is too long for Encrypt).
    const under = await post(endpoint.url, {
      target: 'TrentService.Encrypt',
      body: JSON.stringify({ KeyId: 'alias/x', Plaintext: 'A'.repeat(MAX_BODY_BYTES - 100) }),
    });
    assert.equal(under.status, 400);
    assert.equal(under.json.__type, 'ValidationException');
  });

  test('only POST is served', async () => {
    const res = await fetch(endpoint.url);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    const json = await res.json();
    assert.equal(json.__type, 'UnknownOperationException');
    assert.match(json.message, /X-Amz-Target: TrentService\.<Operation>.*IAM and STS/);
  });

  test('the Region and account come from the SigV4 credential scope', async () => {
    const r = await post(endpoint.url, {
      target: 'TrentService.CreateKey',
      headers: {
        Authorization: 'AWS4-HMAC-SHA256 Credential=123456789012/20261127/ap-south-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
      },
    });
    assert.equal(r.status, 200);
    assert.match(r.json.KeyMetadata.Arn, /^arn:aws:kms:ap-south-1:123456789012:key\//);
    assert.deepEqual(callerOf(undefined), { region: 'us-east-1', account: '000000000000' });
    assert.deepEqual(
      callerOf('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/eu-central-1/kms/aws4_request, SignedHeaders=host, Signature=ab'),
      { region: 'eu-central-1', account: '000000000000', accessKeyId: 'AKIDEXAMPLE', service: 'kms' },
    );
    assert.deepEqual(
      callerOf('AWS4-HMAC-SHA256 Credential=111122223333/20261127/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-security-token, Signature=ab',
        { region: 'eu-north-1', account: '999999999999' }, 'FQoGZXIvYXdzE'),
      { region: 'eu-west-1', account: '111122223333', accessKeyId: '111122223333', service: 'sts', securityToken: 'FQoGZXIvYXdzE' },
    );
    assert.deepEqual(callerOf(undefined, { account: '999999999999' }, 'tok'), { region: 'us-east-1', account: '999999999999', securityToken: 'tok' });
    const bad = await post(endpoint.url, {
      target: 'TrentService.ListKeys',
      headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261127/nowhere/kms/aws4_request' },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.__type, 'ValidationException');
  });

  test('client faults are 400; a server fault is 500, which SDKs retry', async () => {
    const broken = await serve({ port: 0 });
    try {
      await broken.kms.close(); // every later call fails inside the KMS
      const r = await post(broken.url, { target: 'TrentService.ListKeys' });
      assert.equal(r.status, 500);
      assert.equal(r.headers.get('x-amzn-errortype'), 'KMSInternalException');
      assert.equal(r.json.__type, 'KMSInternalException');
      const sdk = client(broken.url, 'us-east-1', '111122223333', 2);
      const e = await rejection(sdk.send(new K.ListKeysCommand({})));
      sdk.destroy();
      assert.ok(e instanceof K.KMSInternalException);
      assert.equal(e.$fault, 'server');
      assert.equal(e.$metadata.attempts, 2, 'a 500 is retried');
    } finally {
      await broken.close();
    }
    const sdk = client(endpoint.url, 'us-east-1', '111122223333', 3);
    const e = await rejection(sdk.send(new K.DescribeKeyCommand({ KeyId: 'alias/none' })));
    sdk.destroy();
    assert.ok(e instanceof K.NotFoundException);
    assert.equal(e.$metadata.attempts, 1, 'a 400 is not retried');
  });
});

/** Starts `wasm-kms serve` as a child process; resolves once it listens. */
function startChild(args, env = {}) {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (c) => { stderr += c; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const listening = new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c) => {
      stdout += c;
      const m = /endpoint on (http:\/\/\S+)/.exec(stdout);
      if (m) resolve(m[1]);
    });
    exited.then(({ code }) => reject(new Error(`wasm-kms exited (${code}) before listening: ${stderr}`)));
  });
  return { child, listening, exited, output: () => ({ stdout, stderr }) };
}

test('SIGTERM on a data directory: in-flight requests finish, exit 0, and every acknowledged key is there after a restart', async () => {
  const dir = tempDir();
  const seedFile = path.join(dir, 'seed.json');
  fs.writeFileSync(seedFile, JSON.stringify({
    Keys: [{ KeyId: '11111111-2222-4333-8444-555555555555', Description: 'seeded', Aliases: ['alias/seeded'] }],
  }));
  const dataDir = path.join(dir, 'store');
  const secret = { WKMS_TEST_PASSPHRASE: 'correct horse battery staple' };
  const first = startChild(['--data-dir', dataDir, '--passphrase-env', 'WKMS_TEST_PASSPHRASE', '--seed', seedFile], secret);
  const url = await first.listening;
  assert.match(first.output().stdout, /seeded from .*: 1 keys created/);
  const sdk = client(url);
  const key = (await sdk.send(new K.CreateKeyCommand({ Description: 'before' }))).KeyMetadata;
  const enc = await sdk.send(new K.EncryptCommand({ KeyId: key.KeyId, Plaintext: text('kept') }));
  await sdk.send(new K.CreateAliasCommand({ AliasName: 'alias/kept', TargetKeyId: key.KeyId }));

  // Many CreateKey calls at once; SIGTERM as soon as the first is answered.
  const acknowledged = [];
  let signalled = false;
  const calls = Array.from({ length: 40 }, () =>
    sdk.send(new K.CreateKeyCommand({ Description: 'in flight' })).then((r) => {
      acknowledged.push(r.KeyMetadata.KeyId);
      if (!signalled) {
        signalled = true;
        first.child.kill('SIGTERM');
      }
    }, () => {}));
  await Promise.all(calls);
  sdk.destroy();
  const { code, signal } = await first.exited;
  assert.equal(signal, null);
  assert.equal(code, 0, first.output().stderr);
  assert.match(first.output().stdout, /SIGTERM: finishing the requests in flight/);
  assert.match(first.output().stdout, /stopped/);
  assert.ok(acknowledged.length >= 1);

  // The same data directory again: the store opens (the lock was released) with everything.
  const second = startChild(['--data-dir', dataDir, '--passphrase-env', 'WKMS_TEST_PASSPHRASE'], secret);
  const url2 = await second.listening;
  const sdk2 = client(url2);
  try {
    const listed = new Set();
    let marker;
    do {
      const page = await sdk2.send(new K.ListKeysCommand({ Marker: marker }));
      page.Keys.forEach((k) => listed.add(k.KeyId));
      marker = page.NextMarker;
    } while (marker);
    for (const id of [key.KeyId, ...acknowledged]) assert.ok(listed.has(id), `key ${id} was lost`);
    const dec = await sdk2.send(new K.DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(new TextDecoder().decode(dec.Plaintext), 'kept');
    assert.equal((await sdk2.send(new K.DescribeKeyCommand({ KeyId: 'alias/kept' }))).KeyMetadata.KeyId, key.KeyId);
    // Seeded in the default account.
    const anon = client(url2, 'us-east-1', '000000000000');
    const seeded = await anon.send(new K.DescribeKeyCommand({ KeyId: 'alias/seeded' }));
    anon.destroy();
    assert.equal(seeded.KeyMetadata.Description, 'seeded');
  } finally {
    sdk2.destroy();
    second.child.kill('SIGINT');
    const end = await second.exited;
    assert.equal(end.code, 0, second.output().stderr);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the CLI refuses bad options and a port in use plainly', async () => {
  const bad = startChild(['--port', 'eighty']);
  await assert.rejects(bad.listening, /exited \(1\)/);
  assert.match(bad.output().stderr, /--port takes a port number/);
  const lonely = startChild(['--passphrase-env', 'WKMS_TEST_PASSPHRASE'], { WKMS_TEST_PASSPHRASE: 'p' });
  await assert.rejects(lonely.listening, /exited \(1\)/);
  assert.match(lonely.output().stderr, /--passphrase-env protects a store: it needs --data-dir/);
  const taken = await serve({ port: 0 });
  try {
    const clash = spawn(process.execPath, [bin, 'serve', '--port', String(taken.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    clash.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
    const code = await new Promise((resolve) => clash.on('exit', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /EADDRINUSE/);
  } finally {
    await taken.close();
  }
});
