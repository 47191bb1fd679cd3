import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../src/graphql/jobs.js';
import { decodeGlobalId, encodeGlobalId } from '../src/ids.js';

describe('global ids and cursors', () => {
  it('round-trip, including ids with separators and unicode', () => {
    const id = encodeGlobalId('Job', 'acct:one', 'rg/job name ✓');
    expect(decodeGlobalId(id)).toEqual({ type: 'Job', account: 'acct:one', nativeId: 'rg/job name ✓' });
    const key = { sortMs: Date.parse('2026-01-01T00:00:00.000Z'), id };
    expect(decodeCursor(encodeCursor(key))).toEqual(key);
    expect(decodeCursor(encodeCursor({ sortMs: -1, id }))).toEqual({ sortMs: -1, id });
  });

  const badInput = expect.objectContaining({ code: 'BAD_USER_INPUT' });
  const b64 = (text: string) => Buffer.from(text).toString('base64url');

  it.each(['', 'not-base64!!', b64('["Job","a"]'), b64('["Job","a",""]'), b64('{}')])(
    'rejects malformed id %j',
    (bad) => {
      expect(() => decodeGlobalId(bad)).toThrow(badInput);
    },
  );

  it.each(['', 'not-base64!!', b64('["a"]'), b64('["2026-01-01","a"]'), b64('[1.5,"a"]'), b64('{}')])(
    'rejects malformed cursor %j',
    (bad) => {
      expect(() => decodeCursor(bad)).toThrow(badInput);
    },
  );
});
