// The AWS-compatible local endpoint: AWS's JSON 1.1 protocol for KMS over HTTP, so that the AWS
// CLI, boto3 and the AWS SDKs work against wasm-kms with `--endpoint-url`.
//
// Thin on purpose: this file reads HTTP requests, takes the Region and account from the SigV4
// credential scope, and writes the answer back. What the answer is (the operation the target
// names, the body, every KMS error and its status) is decided in Rust, by `Kms.sendJson`, which
// runs through the same call queue and store as every other call.
import http from 'node:http';
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import {
  CONTENT_TYPE, DEFAULT_ACCOUNT, DEFAULT_REGION, callerOf, errorReply as httpError, failureReply, requestId,
} from './protocol.mjs';

export { DEFAULT_ACCOUNT, DEFAULT_REGION, callerOf } from './protocol.mjs';

/** The port the endpoint listens on unless told otherwise. */
export const DEFAULT_PORT = 4599;
/** The address it binds to unless told otherwise: this machine only. */
export const DEFAULT_HOST = '127.0.0.1';
/**
 * The largest request body taken, in bytes. The largest legal KMS request is far smaller: a
 * CreateKey with a 32 KB policy, an 8 KB description and 50 tags, every character JSON-escaped
 * (6 bytes), is under 400 KB. A larger body gets HTTP 413 with a JSON error (see README).
 */
export const MAX_BODY_BYTES = 1024 * 1024;
/** A body up to this size is read to its end (and dropped) before the 413 is sent, so that the
 * client, still sending, reads the answer; past it the connection is cut. */
const DRAIN_LIMIT = 16 * MAX_BODY_BYTES;

/** The Node build of wasm-kms (`pkg/node`, made by wasm-pack), loaded on first use. */
function loadWasm() {
  // Node 20's V8 can abort a process that calls into WebAssembly in a loop when it deoptimizes
  // a JS-to-Wasm call it inlined (see README, "Persistence"); a server does exactly that.
  v8.setFlagsFromString('--no-turbo-inline-js-wasm-calls');
  try {
    return createRequire(import.meta.url)('./node/wasm_kms.js');
  } catch (e) {
    if (e?.code !== 'MODULE_NOT_FOUND') throw e;
    throw new Error('pkg/node is missing: build it first (`bash .ci/build.sh all release`)');
  }
}

/** Reads a request body of at most `limit` bytes: the bytes, or `null` if it was longer. */
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > DRAIN_LIMIT) req.destroy();
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks, size) : null));
    req.on('error', reject);
    // Cut off (by the client, or above for a body past DRAIN_LIMIT); nothing after 'end'.
    req.on('close', () => reject(new Error('the connection closed before the body ended')));
  });
}

/**
 * Opens the KMS the endpoint serves: durable in `dataDir` (the on-disk store), else in memory.
 * `seed` (a seed file's text or object) is loaded into it, in the default Region and account.
 */
export async function openKms({ dataDir, passphrase, seed, region = DEFAULT_REGION, account = DEFAULT_ACCOUNT } = {}) {
  const { Kms } = loadWasm();
  const kms = dataDir
    ? await Kms.open({ dataDir, region, account, ...(passphrase ? { passphrase } : {}) })
    : new Kms({ region, account });
  let seeded = null;
  if (seed !== undefined) {
    try {
      seeded = await kms.seed(seed);
    } catch (e) {
      await kms.close();
      throw e;
    }
  }
  return { kms, seeded };
}

/**
 * Starts the endpoint. Options: `port` (default 4599; 0 picks a free one), `host` (default
 * 127.0.0.1), `dataDir`, `passphrase`, `seed`, `region` and `account` (the defaults for requests
 * that do not say), `maxBodyBytes`, `shutdownTimeoutMs`. Resolves to `{ url, host, port, kms,
 * server, seeded, close }`; `close()` stops accepting connections, lets the requests in flight
 * finish, then closes the KMS (a data directory is then released).
 */
export async function serve(options = {}) {
  const {
    port = DEFAULT_PORT,
    host = DEFAULT_HOST,
    region = DEFAULT_REGION,
    account = DEFAULT_ACCOUNT,
    maxBodyBytes = MAX_BODY_BYTES,
    shutdownTimeoutMs = 10_000,
  } = options;
  const { kms, seeded } = await openKms({ ...options, region, account });
  const defaults = { region, account };

  let closing = false;
  let inFlight = 0;
  let drained = null;

  const answer = async (req) => {
    if (req.method !== 'POST') {
      req.resume();
      return httpError(405, 'UnknownOperationException',
        'This is an AWS JSON 1.1 endpoint: POST / with X-Amz-Target: TrentService.<Operation>.');
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === null) {
      return httpError(413, 'RequestEntityTooLargeException',
        `The request body is larger than ${maxBodyBytes} bytes.`);
    }
    const target = req.headers['x-amz-target'];
    try {
      return await kms.sendJson(target, body, callerOf(req.headers.authorization, defaults));
    } catch (e) {
      return failureReply(e);
    }
  };

  const server = http.createServer((req, res) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      if (inFlight === 0 && drained) drained();
      else if (closing) server.closeIdleConnections();
    });
    answer(req).then(
      ({ status, body, errorType }) => {
        const headers = {
          'Content-Type': CONTENT_TYPE,
          'Content-Length': Buffer.byteLength(body),
          'x-amzn-RequestId': requestId(),
        };
        if (errorType) headers['X-Amzn-ErrorType'] = errorType;
        if (status === 405) headers.Allow = 'POST';
        if (closing || status === 413) headers.Connection = 'close';
        res.writeHead(status, headers).end(body);
      },
      () => res.destroy(), // the connection failed while the body was read
    );
  });

  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await kms.close(); // a data directory is released for the next try
    throw e;
  }
  const bound = server.address();
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;

  let closed = null;
  const close = () => {
    closed ??= (async () => {
      closing = true;
      const stopped = new Promise((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise((resolve) => {
          drained = resolve;
          setTimeout(resolve, shutdownTimeoutMs).unref();
        });
      }
      server.closeAllConnections();
      await stopped;
      // Queued behind every call made before: each acknowledged answer is already durable.
      await kms.close();
    })();
    return closed;
  };

  return { url: `http://${shownHost}:${bound.port}`, host: bound.address, port: bound.port, kms, server, seeded, close };
}
