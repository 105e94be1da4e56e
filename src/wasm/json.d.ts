/** Who makes a `sendJson` request: the Region and account it is made in (default: the KMS's). */
export interface JsonCaller {
  /** For example `eu-west-1`, as in the SigV4 credential scope. */
  region?: string;
  /** Twelve digits. */
  account?: string;
}

/** The answer to a `sendJson` request, as an AWS JSON 1.1 endpoint sends it. */
export interface JsonResponse {
  /** 200; 400 for a client fault; 500 for a server fault. */
  status: number;
  /** The JSON body (`Content-Type: application/x-amz-json-1.1`). */
  body: string;
  /** The error's `__type`, for the `X-Amzn-ErrorType` header; absent on success. */
  errorType?: string;
}
