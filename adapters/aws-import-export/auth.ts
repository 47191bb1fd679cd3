/**
 * AWS Signature Version 2 for Query-protocol requests, as aws-sdk v2 (lib/signers/v2.js) and botocore
 * (SigV2Auth) compute it and the AWS Import/Export Developer Guide ("Query Authentication") describes it.
 * Written by hand: the only maintained JavaScript SDK (v3) has no SigV2 signer, and v2 is end-of-life.
 */
import { type HmacAlgorithm, hmacBase64, rfc3986, signaturesEqual } from '../../src/sdk/index.js';

export type QueryParams = Readonly<Record<string, string>>;

export interface SigV2Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export type SigV2Method = 'HmacSHA256' | 'HmacSHA1';

const ALGORITHMS: Record<SigV2Method, HmacAlgorithm> = { HmacSHA256: 'sha256', HmacSHA1: 'sha1' };

export { rfc3986 };

/** Parameters sorted by name in byte order, RFC 3986-encoded, joined with `&`. */
function encodeSorted(params: QueryParams, skip?: string): string {
  return Object.keys(params)
    .filter((name) => name !== skip)
    .sort(byteOrder)
    .map((name) => `${rfc3986(name)}=${rfc3986(params[name] ?? '')}`)
    .join('&');
}

/** What SigV2 signs: every parameter except Signature. */
export const canonicalQueryString = (params: QueryParams): string => encodeSorted(params, 'Signature');

/** The form body exactly as aws-sdk v2 sends it: every parameter, sorted and encoded. */
export const formBody = (params: QueryParams): string => encodeSorted(params);

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function stringToSignV2(method: string, host: string, path: string, params: QueryParams): string {
  return [method.toUpperCase(), host.toLowerCase(), path || '/', canonicalQueryString(params)].join('\n');
}

/** SigV2 timestamps carry no milliseconds, as both SDKs send them. */
export function sigV2Timestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface SignRequest {
  method: 'POST' | 'GET';
  /** Host as the request's Host header carries it: with the port unless it is the scheme's default. */
  host: string;
  path: string;
  params: QueryParams;
  credentials: SigV2Credentials;
  now: number;
}

/** The request's parameters plus the SigV2 authentication parameters and the Signature itself. */
export function signV2(req: SignRequest): Record<string, string> {
  const params: Record<string, string> = {
    ...req.params,
    AWSAccessKeyId: req.credentials.accessKeyId,
    SignatureMethod: 'HmacSHA256',
    SignatureVersion: '2',
    Timestamp: sigV2Timestamp(req.now),
  };
  if (req.credentials.sessionToken) params.SecurityToken = req.credentials.sessionToken;
  const toSign = stringToSignV2(req.method, req.host, req.path, params);
  params.Signature = hmacBase64('sha256', req.credentials.secretAccessKey, toSign);
  return params;
}

export type SigV2Verdict =
  | { ok: true }
  | { ok: false; reason: 'missing-signature' | 'unsupported-method' | 'mismatch' };

/** Server side: recomputes the signature over what was received and compares in constant time. */
export function verifyV2(
  method: string,
  host: string,
  path: string,
  params: QueryParams,
  secretAccessKey: string,
): SigV2Verdict {
  const received = params.Signature;
  if (!received) return { ok: false, reason: 'missing-signature' };
  const algorithm = ALGORITHMS[params.SignatureMethod as SigV2Method];
  if (!algorithm || params.SignatureVersion !== '2') return { ok: false, reason: 'unsupported-method' };
  const expected = hmacBase64(algorithm, secretAccessKey, stringToSignV2(method, host, path, params));
  return signaturesEqual(expected, received) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
