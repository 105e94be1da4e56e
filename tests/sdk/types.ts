// Type-checks pkg/sdk.d.ts against @aws-sdk/client-kms and a real Kms (tsc -p tests/sdk): the
// handler and the config helper must be accepted by `new KMSClient`, with no cast.
import { DecryptCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import { Kms } from '../../pkg/web/wasm_kms.js';
import { kmsClientConfig, kmsRequestHandler, type KmsRequestHandler } from 'wasm-kms/sdk'; // pkg/sdk.d.ts, as the exports map names it

export async function usage(): Promise<Uint8Array | undefined> {
  const kms = new Kms({ region: 'eu-west-1' });
  const handler: KmsRequestHandler = kmsRequestHandler(kms);
  const client = new KMSClient({
    requestHandler: handler,
    region: 'eu-west-1',
    credentials: { accessKeyId: '111122223333', secretAccessKey: 'not-checked' },
  });
  const viaHelper = new KMSClient(kmsClientConfig(kms.forRegion('us-west-2'), { logger: console }));
  const regionOfHelper: string = kmsClientConfig(kms).region;
  void regionOfHelper;
  viaHelper.destroy();
  try {
    const { Plaintext } = await client.send(new DecryptCommand({ CiphertextBlob: new Uint8Array(8) }));
    return Plaintext;
  } catch (e) {
    if (e instanceof NotFoundException) return undefined;
    throw e;
  }
}
