// A page of an app that uses the official @aws-sdk/client-kms against wasm-kms in the same page
// (no HTTP): Encrypt and Decrypt, and an error caught by its SDK class. Bundled by Vite.
import {
  CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient, NotFoundException,
} from '@aws-sdk/client-kms';
import init, { Kms } from '../../../pkg/web/wasm_kms.js';
import { kmsRequestHandler } from '../../../pkg/sdk.mjs';

async function run() {
  await init();
  const kms = new Kms();
  const client = new KMSClient({
    requestHandler: kmsRequestHandler(kms),
    region: 'eu-west-1',
    credentials: { accessKeyId: '111122223333', secretAccessKey: 'not-checked' },
  });
  const { KeyMetadata } = await client.send(new CreateKeyCommand({ Description: 'page' }));
  const context = { page: 'sdk' };
  const { CiphertextBlob } = await client.send(new EncryptCommand({
    KeyId: KeyMetadata.KeyId, Plaintext: new TextEncoder().encode('hello from the page'), EncryptionContext: context,
  }));
  const { Plaintext } = await client.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
  let error = null;
  try {
    await client.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' }));
  } catch (e) {
    error = { name: e.name, isNotFound: e instanceof NotFoundException, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  return {
    arn: KeyMetadata.Arn,
    ciphertextBytes: CiphertextBlob.length,
    plaintext: new TextDecoder().decode(Plaintext),
    error,
  };
}

run().then(
  (result) => { window.__result = { done: true, ...result }; },
  (e) => { window.__result = { done: true, failure: `${e?.name}: ${e?.message}` }; },
);
