// What every front of AWS's JSON 1.1 protocol for KMS shares, the HTTP endpoint (server.mjs) and
// the in-process handler for the AWS SDK (sdk.mjs): who a request is made by, and the answer made
// when the KMS cannot answer at all. No Node APIs: browsers load this file too.

/** The Region of a request without a SigV4 credential scope. */
export const DEFAULT_REGION = 'us-east-1';
/** The account of a request whose access key ID is not 12 digits. */
export const DEFAULT_ACCOUNT = '000000000000';
/** The media type of every request and answer body. */
export const CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * Who makes a request, from its SigV4 `Authorization` header and `X-Amz-Security-Token`:
 * `{ region, account, accessKeyId, service, securityToken }`. The Region and service are the
 * third and fourth fields of the credential scope
 * (`Credential=AKID/20261127/eu-west-1/kms/aws4_request`); the account is the access key ID when
 * that is 12 digits (that account's root), else `account`. `accessKeyId`, `service` and
 * `securityToken` are there only when the request has them. Signatures are not checked.
 */
export function callerOf(authorization, { region = DEFAULT_REGION, account = DEFAULT_ACCOUNT } = {}, securityToken) {
  const scope = /Credential=([^/,\s]*)\/[^/,\s]*\/([^/,\s]+)\/([^/,\s]*)\/aws4_request/.exec(
    authorization ?? '',
  );
  const token = typeof securityToken === 'string' && securityToken !== '' ? { securityToken } : {};
  if (!scope) return { region, account, ...token };
  const [, accessKeyId, scopeRegion, service] = scope;
  return {
    region: scopeRegion,
    account: /^\d{12}$/.test(accessKeyId) ? accessKeyId : account,
    ...(accessKeyId !== '' ? { accessKeyId } : {}),
    ...(service !== '' ? { service } : {}),
    ...token,
  };
}

/** An error answer made outside the KMS, in the shape `Kms.sendJson` resolves to. */
export function errorReply(status, type, message) {
  return { status, body: JSON.stringify({ __type: type, message }), errorType: type };
}

/**
 * The answer to a request `Kms.sendJson` rejected, which it does only when the KMS cannot run
 * calls at all (it was closed): a server fault, which SDKs retry.
 */
export function failureReply(e) {
  return errorReply(e?.$metadata?.httpStatusCode ?? 500, e?.name ?? 'KMSInternalException',
    String(e?.message ?? e));
}

/** A fresh request ID (a random UUID), also where `crypto.randomUUID` is missing (plain HTTP). */
export function requestId() {
  if (typeof globalThis.crypto?.randomUUID === 'function') return globalThis.crypto.randomUUID();
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; // version 4
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
