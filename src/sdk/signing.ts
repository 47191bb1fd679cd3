/**
 * Primitives for request-signing schemes (AWS Signature Version 2, IoT Hub SAS, ...): an HMAC digest in
 * base64 and a comparison of signatures that does not leak, through its timing, how much of a forged
 * signature was right. The schemes themselves (what is signed) live with their adapters.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type HmacAlgorithm = 'sha1' | 'sha256';

export function hmacBase64(algorithm: HmacAlgorithm, key: string | Buffer, message: string): string {
  return createHmac(algorithm, key).update(message, 'utf8').digest('base64');
}

/**
 * RFC 3986 percent-encoding, as signing schemes want it: only A-Z a-z 0-9 - _ . ~ stay. `encodeURIComponent`
 * leaves !'()* as they are; AWS SigV2 and the IoT SDK's encodeUriComponentStrict both encode them.
 */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Constant-time for equal lengths; a length mismatch is answered at once (lengths are not secret). */
export function signaturesEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
