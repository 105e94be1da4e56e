// The AWS-compatible local endpoint: AWS's JSON 1.1 protocol for KMS over HTTP, and on the same
// port IAM and STS in their query protocol (query.mjs), so that the AWS CLI, boto3 and the AWS
// SDKs work against wasm-kms with `--endpoint-url`.
//
// Thin on purpose: this file reads HTTP requests, makes the caller (the SigV4 credential scope and
// access key, the client's address, the VPC endpoint a port stands for), and writes the answer
// back. What the answer is (the operation the target names, the body, every KMS error and its
// status) is decided in Rust, by `Kms.sendJson` and `Kms.sendQuery`, which run through the same
// call queue and store as every other call.
import http from 'node:http';
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import {
  CONTENT_TYPE, DEFAULT_ACCOUNT, DEFAULT_REGION, callerOf, errorReply as httpError, failureReply,
  requestId,
} from './protocol.mjs';
import { answerQuery, isQueryRequest, parseForm, queryErrorReply } from './query.mjs';

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

/** The client's address as `aws:SourceIp` has it: an IPv4-mapped IPv6 address as plain IPv4. */
export function sourceIpOf(address) {
  if (typeof address !== 'string') return undefined;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1] : address;
}

/**
 * The VPC endpoints to serve, checked: `[{ id, port, vpc }]`, `id` like `vpce-0a1b2c3d`, `vpc`
 * (optional) like `vpc-1234abcd`.
 */
function vpcEndpointsOf(list) {
  if (!Array.isArray(list)) throw new TypeError('vpcEndpoints takes an array of { id, port, vpc }');
  const seen = new Set();
  return list.map((entry) => {
    const { id, port, vpc } = entry ?? {};
    if (typeof id !== 'string' || !/^vpce-[0-9a-z]+$/.test(id)) {
      throw new TypeError(`a VPC endpoint ID is vpce- and lower-case letters or digits, not \`${id}\``);
    }
    if (seen.has(id)) throw new TypeError(`the VPC endpoint ${id} is given twice`);
    seen.add(id);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new TypeError(`the VPC endpoint ${id} needs a port number, not \`${port}\``);
    }
    if (vpc !== undefined && (typeof vpc !== 'string' || !/^vpc-[0-9a-z]+$/.test(vpc))) {
      throw new TypeError(`a VPC ID is vpc- and lower-case letters or digits, not \`${vpc}\``);
    }
    return { id, port, ...(vpc !== undefined ? { vpc } : {}) };
  });
}

/** A `Kms.sendJson` answer as the HTTP answer `{ status, body, headers }`. */
function jsonReply({ status, body, errorType }) {
  const headers = { 'Content-Type': CONTENT_TYPE, 'x-amzn-RequestId': requestId() };
  if (errorType) headers['X-Amzn-ErrorType'] = errorType;
  return { status, body, headers };
}

/**
 * Starts the endpoint. Options: `port` (default 4599; 0 picks a free one), `host` (default
 * 127.0.0.1), `dataDir`, `passphrase`, `seed`, `region` and `account` (the defaults for requests
 * that do not say), `vpcEndpoints` (`[{ id, port, vpc }]`: one more port on `host` per VPC
 * endpoint, whose requests carry `sourceVpce: id` and `sourceVpc: vpc`), `maxBodyBytes`,
 * `shutdownTimeoutMs`. Resolves to `{ url, host, port, kms, server, seeded, vpcEndpoints, close }`
 * (`vpcEndpoints`: `[{ id, vpc, url, host, port, server }]`); `close()` stops accepting
 * connections on every port, lets the requests in flight finish, then closes the KMS (a data
 * directory is then released).
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
  const vpcEndpoints = vpcEndpointsOf(options.vpcEndpoints ?? []);
  const { kms, seeded } = await openKms({ ...options, region, account });
  const defaults = { region, account };

  let closing = false;
  let inFlight = 0;
  let drained = null;

  /** Who makes `req`, arriving on a port that stands for `network` (`{ sourceVpce, sourceVpc }`). */
  const callerFor = (req, network) => {
    const caller = callerOf(req.headers.authorization, defaults, req.headers['x-amz-security-token']);
    const sourceIp = sourceIpOf(req.socket.remoteAddress);
    return { ...caller, ...(sourceIp !== undefined ? { sourceIp } : {}), secureTransport: false, ...network };
  };

  const answer = async (req, network) => {
    const caller = callerFor(req, network);
    const target = req.headers['x-amz-target'];
    if (req.method === 'GET' && !target) {
      // The query protocol also takes GET with the form in the URL (boto3 and the CLI never do).
      const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
      if (params.has('Action')) {
        req.resume();
        return answerQuery(kms, params, caller);
      }
    }
    if (req.method !== 'POST') {
      req.resume();
      return jsonReply(httpError(405, 'UnknownOperationException',
        'This endpoint takes POST /: KMS in AWS JSON 1.1 with X-Amz-Target: TrentService.<Operation>, '
        + 'IAM and STS in the AWS query protocol (a form with Action=<Operation>&Version=<version>).'));
    }
    const query = isQueryRequest(target, req.headers['content-type']);
    const body = await readBody(req, maxBodyBytes);
    if (body === null) {
      const message = `The request body is larger than ${maxBodyBytes} bytes.`;
      return query
        ? queryErrorReply(caller.service, 413, { code: 'RequestEntityTooLarge', message })
        : jsonReply(httpError(413, 'RequestEntityTooLargeException', message));
    }
    if (query) return answerQuery(kms, parseForm(body), caller);
    try {
      return jsonReply(await kms.sendJson(target, body, caller));
    } catch (e) {
      return jsonReply(failureReply(e));
    }
  };

  const servers = [];
  const listener = (network) => (req, res) => {
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      if (inFlight === 0 && drained) drained();
      else if (closing) for (const s of servers) s.closeIdleConnections();
    });
    answer(req, network).then(
      ({ status, body, headers }) => {
        const all = { ...headers, 'Content-Length': Buffer.byteLength(body) };
        if (status === 405) all.Allow = 'POST';
        if (closing || status === 413) all.Connection = 'close';
        res.writeHead(status, all).end(body);
      },
      () => res.destroy(), // the connection failed while the body was read
    );
  };
  const listen = (server, at) => new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const where = (server) => {
    const bound = server.address();
    const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    return { url: `http://${shownHost}:${bound.port}`, host: bound.address, port: bound.port };
  };

  const server = http.createServer(listener({}));
  servers.push(server);
  const vpceServers = vpcEndpoints.map(({ id, vpc }) => {
    const s = http.createServer(listener({ sourceVpce: id, ...(vpc !== undefined ? { sourceVpc: vpc } : {}) }));
    servers.push(s);
    return s;
  });
  try {
    await listen(server, port);
    for (const [i, s] of vpceServers.entries()) await listen(s, vpcEndpoints[i].port);
  } catch (e) {
    await Promise.all(servers.filter((s) => s.listening).map((s) => new Promise((resolve) => s.close(resolve))));
    await kms.close(); // a data directory is released for the next try
    throw e;
  }

  let closed = null;
  const close = () => {
    closed ??= (async () => {
      closing = true;
      const stopped = Promise.all(servers.map((s) => new Promise((resolve) => s.close(() => resolve()))));
      for (const s of servers) s.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise((resolve) => {
          drained = resolve;
          setTimeout(resolve, shutdownTimeoutMs).unref();
        });
      }
      for (const s of servers) s.closeAllConnections();
      await stopped;
      // Queued behind every call made before: each acknowledged answer is already durable.
      await kms.close();
    })();
    return closed;
  };

  return {
    ...where(server),
    kms,
    server,
    seeded,
    vpcEndpoints: vpcEndpoints.map(({ id, vpc }, i) => ({
      id, ...(vpc !== undefined ? { vpc } : {}), ...where(vpceServers[i]), server: vpceServers[i],
    })),
    close,
  };
}
