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

/** Constant-time for equal lengths; a length mismatch is answered at once (lengths are not secret). */
export function signaturesEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
