// Types of `wasm-kms/sdk` (sdk.mjs, sdk.cjs): the AWS SDK for JavaScript v3 against an in-process
// wasm-kms. The types are structural, so that this file needs neither the SDK nor a given build of
// wasm-kms: any `Kms` (web, bundler or Node build) is a `JsonKms`, and a `KmsRequestHandler` is an
// SDK `HttpHandler`.

/** What the handler needs of a wasm-kms `Kms` (or a view of one, such as `kms.forRegion(r)`). */
export interface JsonKms {
  /** The Region of calls that do not say (the Kms's own). */
  readonly region: string;
  /** The account of calls that do not say (the Kms's own). */
  readonly account: string;
  sendJson(
    target: string | null | undefined,
    body: Uint8Array | string,
    caller?: { region?: string; account?: string },
  ): Promise<{ status: number; body: string; errorType?: string }>;
}

/** The part of the SDK's `HttpRequest` the handler reads. */
export interface KmsHttpRequest {
  headers: Record<string, string>;
  body?: string | Uint8Array | ArrayBuffer | ArrayBufferView | null;
}

/** The SDK's `HttpHandlerOptions`: an aborted signal rejects the call with an `AbortError`. */
export interface KmsHandlerOptions {
  abortSignal?: { readonly aborted: boolean };
  requestTimeout?: number;
}

/** The answer, in the shape of the SDK's `HttpResponse`. */
export interface KmsHttpResponse {
  statusCode: number;
  reason?: string;
  /** `content-type`, `content-length`, `x-amzn-requestid` and, for an error, `x-amzn-errortype`. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** An SDK v3 `HttpHandler` that answers every request with `kms.sendJson`, with no HTTP. */
export interface KmsRequestHandler {
  handle(request: KmsHttpRequest, options?: KmsHandlerOptions): Promise<{ response: KmsHttpResponse }>;
  updateHttpClientConfig(key: string | symbol, value: unknown): void;
  httpHandlerConfigs(): Record<string | symbol, unknown>;
  /** Does nothing: the Kms stays open (close it with `kms.close()`). */
  destroy(): void;
}

/**
 * A request handler for `new KMSClient({ requestHandler, region, credentials })`. The Region is the
 * one the client signs with; the account is the access key ID when it is 12 digits, else the Kms's.
 */
export function kmsRequestHandler(kms: JsonKms): KmsRequestHandler;

/** What `kmsClientConfig` returns: a `KMSClientConfig`. */
export interface KmsClientConfig {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
  requestHandler: KmsRequestHandler;
}

/**
 * A `KMSClient` configuration for `kms`: its Region and account, one attempt per call, the request
 * handler, and `overrides` on top: `new KMSClient(kmsClientConfig(kms))`.
 */
export function kmsClientConfig<T extends object = {}>(kms: JsonKms, overrides?: T): KmsClientConfig & T;
