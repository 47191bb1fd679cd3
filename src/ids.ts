/**
 * Opaque, stable global ids: the type, the account and the provider's own id, base64url-encoded. The GraphQL
 * edge hands them out and decodes them; the job index keeps each job's id as a column, because the order of
 * `jobs` breaks ties by it. Plain data, so both sides import it without depending on each other.
 */
import { ErrorCode, gatewayError } from './sdk/errors.js';

export const JOB_TYPE_NAME = 'Job';

export function encodeGlobalId(type: string, account: string, nativeId: string): string {
  return Buffer.from(JSON.stringify([type, account, nativeId])).toString('base64url');
}

export const jobGlobalId = (account: string, nativeId: string) => encodeGlobalId(JOB_TYPE_NAME, account, nativeId);

export function decodeGlobalId(id: string): { type: string; account: string; nativeId: string } {
  try {
    const parts: unknown = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === 3 && parts.every((p) => typeof p === 'string' && p.length > 0)) {
      const [type, account, nativeId] = parts as [string, string, string];
      return { type, account, nativeId };
    }
  } catch {
    // fall through: any undecodable id is the caller's mistake
  }
  throw gatewayError(ErrorCode.BAD_USER_INPUT, 'Malformed id: pass an id exactly as the gateway returned it.', {
    field: 'id',
  });
}
