// The AWS SDK for JavaScript v3, in process: a request handler that hands `@aws-sdk/client-kms`'s
// requests to a wasm-kms `Kms` in the same page or process, with no HTTP. The SDK still builds,
// signs and parses every request as it would for AWS KMS, so its commands, paginators and error
// classes (`instanceof NotFoundException`) work unchanged.
//
//   import { KMSClient, EncryptCommand } from '@aws-sdk/client-kms';
//   import { kmsRequestHandler } from 'wasm-kms/sdk';
//   const client = new KMSClient({ requestHandler: kmsRequestHandler(kms), region: 'eu-west-1',
//     credentials: { accessKeyId: '111122223333', secretAccessKey: 'not-checked' } });
//
// The SDK is the caller's, not a dependency: the handler answers with plain objects of the shape
// the SDK checks (`statusCode`, `headers`, a `Uint8Array` body). sdk.cjs loads this file for
// `require`.
import { CONTENT_TYPE, callerOf, failureReply, requestId } from './protocol.mjs';

const encoder = new TextEncoder();

/** A request header by its lower-case name, whatever the case it was set in. */
function headerOf(headers, name) {
  if (!headers) return undefined;
  if (headers[name] !== undefined) return headers[name];
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** The request body as `Kms.sendJson` takes it: text or bytes (the SDK sends text). */
function bodyOf(body) {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('wasm-kms takes a request body as a string or bytes, not a stream');
}

/** The error the SDK's own handlers reject with when a request is aborted. */
function abortError() {
  const e = new Error('Request aborted');
  e.name = 'AbortError';
  return e;
}

/** `promise`, or a rejection with an AbortError as soon as `signal` fires. */
function unlessAborted(promise, signal) {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError());
  let stop;
  const aborted = new Promise((_, reject) => {
    const fire = () => reject(abortError());
    if (typeof signal.addEventListener === 'function') {
      signal.addEventListener('abort', fire, { once: true });
      stop = () => signal.removeEventListener('abort', fire);
    } else {
      signal.onabort = fire; // the SDK's own AbortSignal, without addEventListener
      stop = () => { signal.onabort = null; };
    }
  });
  return Promise.race([promise, aborted]).finally(stop);
}

/** `{ status, body, errorType }` as the HTTP response an AWS JSON 1.1 endpoint sends. */
function httpResponse({ status, body, errorType }) {
  const bytes = encoder.encode(body);
  const headers = {
    'content-type': CONTENT_TYPE,
    'content-length': String(bytes.length),
    'x-amzn-requestid': requestId(),
  };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  return { statusCode: status, headers, body: bytes };
}

/**
 * A request handler for the AWS SDK for JavaScript v3 (`new KMSClient({ requestHandler })`) that
 * answers every request with `kms.sendJson`, in this page or process. The Region is the one the
 * client signs with (its SigV4 credential scope), as at the HTTP endpoint; the account is the
 * access key ID when that is 12 digits, else the Kms's own. Requests to other services than KMS
 * get UnknownOperationException. `destroy()` (called by `client.destroy()`) leaves the Kms open.
 */
export function kmsRequestHandler(kms) {
  if (typeof kms?.sendJson !== 'function') {
    throw new TypeError('kmsRequestHandler takes a wasm-kms Kms');
  }
  const config = {};
  return {
    async handle(request, { abortSignal } = {}) {
      if (abortSignal?.aborted) throw abortError();
      const headers = request?.headers;
      const caller = callerOf(headerOf(headers, 'authorization'), { region: kms.region, account: kms.account },
        headerOf(headers, 'x-amz-security-token'));
      const reply = kms.sendJson(headerOf(headers, 'x-amz-target'), bodyOf(request?.body), caller)
        .catch(failureReply);
      return { response: httpResponse(await unlessAborted(reply, abortSignal)) };
    },
    updateHttpClientConfig(key, value) {
      config[key] = value;
    },
    httpHandlerConfigs() {
      return config;
    },
    destroy() {},
  };
}

/**
 * A `KMSClient` configuration for `kms`: its Region, its account as the access key ID, one
 * attempt per call (an in-process KMS has no network to retry over), and the request handler.
 * `overrides` go on top: `new KMSClient(kmsClientConfig(kms, { region: 'eu-west-1' }))`.
 */
export function kmsClientConfig(kms, overrides = {}) {
  return {
    region: kms.region,
    credentials: { accessKeyId: kms.account, secretAccessKey: 'not-checked' },
    maxAttempts: 1,
    ...overrides,
    requestHandler: kmsRequestHandler(kms),
  };
}
