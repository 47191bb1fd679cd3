/**
 * What keeps signed URLs out of snapshots, responses and logs: `withoutCredentials` (a provider URL reduced to
 * where the thing is) and `redactUrlsInText` (free text from a provider that may quote such a URL or a SAS).
 */
import { describe, expect, it } from 'vitest';
import { redactUrlsInText } from './redact.js';
import { withoutCredentials } from './urls.js';

const SAS = 'sv=2021-08-06&sr=c&sp=rwdl&se=2026-12-01T00:00:00Z&sig=AbC%2Bdef%3D';

describe('withoutCredentials', () => {
  it.each([
    [
      'a SAS query',
      `https://acct.blob.core.windows.net/logs/drive.xml?${SAS}`,
      'https://acct.blob.core.windows.net/logs/drive.xml',
    ],
    [
      'a presigned S3 query',
      'https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Credential=AKIA',
      'https://b.s3.amazonaws.com/k',
    ],
    ['user info', 'https://user:p4ss@host.example:8443/path', 'https://host.example:8443/path'],
    ['a fragment', 'https://host.example/a#sig=abc', 'https://host.example/a'],
    ['a bare URL, unchanged', 'https://host.example/container', 'https://host.example/container'],
  ])('strips %s from an absolute URL', (_, url, expected) => {
    expect(withoutCredentials(url)).toBe(expected);
  });

  it.each([
    ['a relative blob path with a query', 'container/blob.xml?sig=abc', 'container/blob.xml'],
    ['a relative path with a fragment', 'blob.xml#frag', 'blob.xml'],
    ['a query over several lines', 'x/y?sig=a\nb', 'x/y'],
    ['a plain relative path, unchanged', 'waimportexport/logs', 'waimportexport/logs'],
  ])('cuts %s at the first ? or #', (_, url, expected) => {
    expect(withoutCredentials(url)).toBe(expected);
  });

  it('answers null for no value, and for a value that was nothing but a query', () => {
    expect([withoutCredentials(null), withoutCredentials(undefined), withoutCredentials('')]).toEqual([
      null,
      null,
      null,
    ]);
    expect(withoutCredentials('?sig=only')).toBeNull();
  });
});

describe('redactUrlsInText', () => {
  it('reduces every URL in the text and keeps the words around them', () => {
    const text = `copy from https://src.blob.core.windows.net/in?${SAS} to s3://bucket/key?X-Amz-Signature=1 failed`;
    expect(redactUrlsInText(text)).toBe('copy from https://src.blob.core.windows.net/in to s3://bucket/key failed');
  });

  it('ends a URL at a quote, a bracket or white space', () => {
    expect(
      redactUrlsInText(`uri "https://a.example/c?${SAS}" and <https://b.example/d?sig=x> 'https://c.example/e?k=v'`),
    ).toBe('uri "https://a.example/c" and <https://b.example/d> \'https://c.example/e\'');
  });

  it('finds URLs of any scheme and case, and strips user info', () => {
    expect(redactUrlsInText('HTTPS://User:Pw@Host.Example/A?SIG=1 and ftp://u:p@files.example/x')).toBe(
      'https://host.example/A and ftp://files.example/x',
    );
  });

  it('masks a SAS signature quoted without its URL, in any case, up to the next & or space', () => {
    expect(redactUrlsInText('token sig=AbC%2Bdef%3D&se=2026 and SIG=xyz, done')).toBe(
      'token sig=[removed]&se=2026 and sig=[removed] done',
    );
  });

  it('leaves text without URLs or signatures as it is', () => {
    const text = 'Drive 9CA995BB was not received: signature missing (design=1)';
    expect(redactUrlsInText(text)).toBe(text);
  });
});
