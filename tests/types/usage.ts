// Type-checks the generated declarations (`npx tsc -p tests/types`): this file must compile
// against pkg/web/wasm_kms.d.ts and the package's entry pkg/index.d.ts (with pkg/errors.d.ts),
// and the `@ts-expect-error` lines must stay errors.
import init, {
  Kms,
  type DecryptResponse,
  type EncryptRequest,
  type KeyMetadata,
  type KmsServiceError,
  type SigningAlgorithmSpec,
  type AuditVerification,
  type SeedReport,
} from '../../pkg/web/wasm_kms.js';
import * as Entry from '../../pkg/index.js';

export async function usage(): Promise<string> {
  await init();
  const kms = new Kms({ region: 'us-east-1', account: '111122223333' });
  const bare = new Kms();
  const created = await kms.createKey({ Description: 'typed', Tags: [{ TagKey: 'team', TagValue: 'a' }] });
  const md: KeyMetadata = created.KeyMetadata;
  const when: Date = md.CreationDate;
  const request: EncryptRequest = { KeyId: md.Arn, Plaintext: new Uint8Array([1, 2, 3]), EncryptionContext: { a: 'b' } };
  const { CiphertextBlob } = await kms.encrypt(request);
  const blob: Uint8Array = CiphertextBlob;
  const out: DecryptResponse = await kms.decrypt({ CiphertextBlob: blob, EncryptionContext: { a: 'b' } });
  const listed = await bare.listKeys();
  const aliases = await kms.listAliases({ Limit: 10 });
  const dk = await kms.generateDataKey({ KeyId: md.KeyId, KeySpec: 'AES_256' });
  const events = kms.auditEvents();
  const stored = await Kms.open({ indexedDb: 'typed' });
  const selected = await stored.auditQuery({ eventName: 'Encrypt', start: '2026-01-01T00:00:00Z', limit: 10 });
  const firstName: string = selected[0].eventName;
  const exported: { Records: unknown[] } = await stored.exportAudit();
  const verified: AuditVerification = await stored.verifyAudit();
  const problems: number = verified.problems.length;
  const report: SeedReport = await stored.seed({ Keys: [{ KeyId: '11111111-2222-4333-8444-555555555555' }] });
  const digest = await stored.auditDigest();
  await stored.close();
  // @ts-expect-error: an audit query has no member `keyId`
  await stored.auditQuery({ keyId: 'x' });
  void firstName; void exported; void problems; void report; void digest;
  kms.setNow(new Date('2030-01-01T00:00:00Z'));
  kms.advanceDays(365);
  kms.advanceTime(1000);
  const clock: Date = kms.now();
  await kms.enableKeyRotation({ KeyId: md.KeyId, RotationPeriodInDays: 90 });
  const status = await kms.getKeyRotationStatus({ KeyId: md.KeyId });
  const next: Date | undefined = status.NextRotationDate;
  const deletion = await kms.scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
  const gone: Date | undefined = deletion.DeletionDate;
  const mrk = await kms.createKey({ MultiRegion: true });
  const replica = await kms.replicateKey({ KeyId: mrk.KeyMetadata.KeyId, ReplicaRegion: 'eu-west-1' });
  const kind: 'PRIMARY' | 'REPLICA' | undefined = replica.ReplicaKeyMetadata.MultiRegionConfiguration?.MultiRegionKeyType;
  await kms.forRegion('eu-west-1').decrypt({ CiphertextBlob: blob });
  const hmac = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  const { Mac } = await kms.generateMac({ KeyId: hmac.KeyMetadata.KeyId, Message: 'm', MacAlgorithm: 'HMAC_SHA_256' });
  const checked: boolean = (await kms.verifyMac({ KeyId: hmac.KeyMetadata.KeyId, Message: 'm', MacAlgorithm: 'HMAC_SHA_256', Mac })).MacValid;
  try {
    await kms.describeKey({ KeyId: 'nope' });
  } catch (e) {
    const err = e as KmsServiceError;
    return `${err.name} ${err.$fault} ${err.$metadata.httpStatusCode}`;
  }
  // @ts-expect-error KeyId is required
  await kms.encrypt({ Plaintext: new Uint8Array([1]) });
  // @ts-expect-error KeySpec is AES_256 or AES_128
  await kms.generateDataKey({ KeyId: md.KeyId, KeySpec: 'AES_512' });
  return [checked, kind, next?.toISOString(), gone?.toISOString(), clock.toISOString(), when.toISOString(), out.KeyId, listed.Keys.length, aliases.Truncated, dk.Plaintext.length, events.length].join();
}

// Asymmetric operations are typed: algorithm names are checked, blobs are Uint8Array.
async function asymmetric(kms: Kms): Promise<void> {
  const { KeyMetadata } = await kms.createKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
  const algorithms: SigningAlgorithmSpec[] | undefined = KeyMetadata.SigningAlgorithms;
  const signed = await kms.sign({ KeyId: KeyMetadata.KeyId, Message: new Uint8Array(8), SigningAlgorithm: 'RSASSA_PSS_SHA_256' });
  const sig: Uint8Array = signed.Signature;
  const pk: Uint8Array = (await kms.getPublicKey({ KeyId: KeyMetadata.KeyId })).PublicKey;
  const pair = await kms.generateDataKeyPair({ KeyId: 'alias/x', KeyPairSpec: 'ECC_NIST_P256' });
  const der: Uint8Array = pair.PrivateKeyPlaintext;
  const secret = await kms.deriveSharedSecret({ KeyId: 'k', KeyAgreementAlgorithm: 'ECDH', PublicKey: pk });
  const shared: Uint8Array = secret.SharedSecret;
  // @ts-expect-error not a signing algorithm
  await kms.sign({ KeyId: 'k', Message: sig, SigningAlgorithm: 'RSAES_OAEP_SHA_256' });
  void algorithms; void der; void shared;
}
void asymmetric;

// The package's main entry (pkg/index.d.ts, as `import ... from 'wasm-kms'` sees it): the same
// Kms and shapes, and an error class per AWS error name, narrowed by `instanceof`.
async function fromEntry(kms: Entry.Kms): Promise<string> {
  const request: Entry.GenerateDataKeyRequest = { KeyId: 'alias/app', KeySpec: 'AES_256' };
  const key: Entry.GenerateDataKeyResponse = await kms.generateDataKey(request);
  const spec: Entry.KeySpec = (await kms.describeKey({ KeyId: key.KeyId })).KeyMetadata.KeySpec;
  try {
    await kms.decrypt({ CiphertextBlob: key.CiphertextBlob });
  } catch (e) {
    if (e instanceof Entry.NotFoundException) {
      const name: 'NotFoundException' = e.name;
      const fault: 'client' = e.$fault;
      return `${name} ${fault} ${e.$metadata.httpStatusCode} ${e.message}`;
    }
    if (e instanceof Entry.KMSInternalException) {
      const fault: 'server' = e.$fault;
      return fault;
    }
    if (e instanceof Entry.KmsServiceException) return e.name;
  }
  const made = new Entry.DisabledException({ message: 'arn is disabled.', $metadata: { httpStatusCode: 400 } });
  const base: Entry.KmsServiceException = made;
  const error: Error = base;
  // @ts-expect-error an error class sets its own name
  new Entry.DisabledException({ name: 'Other' });
  // @ts-expect-error no such error class
  void Entry.NoSuchKeyException;
  // @ts-expect-error BenchAesGcm is not part of the package's API
  new Entry.BenchAesGcm();
  return [spec, error.message].join();
}
void fromEntry;
