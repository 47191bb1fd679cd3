import AWS from 'aws-sdk/global.js';
import { describe, expect, it } from 'vitest';
import { canonicalQueryString, formBody, rfc3986, signV2, stringToSignV2, verifyV2 } from './auth.js';

// aws-sdk prints its end-of-support notice on a timer; this runs before it fires.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';

/** aws-sdk v2's own SigV2 signer, which its typings do not expose. */
interface SdkRequest {
  params: Record<string, string>;
  body: string;
}
const sdk = AWS as unknown as {
  Endpoint: new (url: string) => unknown;
  HttpRequest: new (endpoint: unknown, region: string) => SdkRequest;
  Signers: {
    V2: new (
      request: SdkRequest,
      service: string,
    ) => {
      addAuthorization(credentials: { accessKeyId: string; secretAccessKey: string }, date: Date): void;
    };
  };
};

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const at = Date.UTC(2011, 5, 20, 22, 30, 59, 556);
/** Values that exercise the encoding: spaces, newlines, colons, slashes, plus, unicode, RFC 3986 extras. */
const params = {
  Action: 'CreateJob',
  Version: '2010-06-01',
  JobType: 'Import',
  ValidateOnly: 'false',
  Manifest: "manifestVersion: 2.0\nbucket: my bucket+x/y\nname: Zoë O'Brien (*)~\n",
};

function sdkSigned(url: string): SdkRequest {
  const request = new sdk.HttpRequest(new sdk.Endpoint(url), 'us-east-1');
  request.params = { ...params };
  new sdk.Signers.V2(request, 'importexport').addAuthorization(credentials, new Date(at));
  return request;
}

describe('Signature Version 2', () => {
  it('encodes per RFC 3986: %20 for a space, upper-case hex, only A-Z a-z 0-9 - _ . ~ left alone', () => {
    expect(rfc3986("a b*c~!'()+/:é")).toBe('a%20b%2Ac~%21%27%28%29%2B%2F%3A%C3%A9');
  });

  it('builds the documented string to sign: verb, lower-case host, path, sorted parameters without Signature', () => {
    expect(stringToSignV2('post', 'ImportExport.Amazonaws.com', '/', { b: '2', Signature: 'x', a: 'one two' })).toBe(
      'POST\nimportexport.amazonaws.com\n/\na=one%20two&b=2',
    );
    expect(canonicalQueryString({ Z: '1', a: '2', AWSAccessKeyId: '3' })).toBe('AWSAccessKeyId=3&Z=1&a=2');
  });

  it.each(['https://importexport.amazonaws.com', 'https://127.0.0.1:8443'])(
    'signs exactly as aws-sdk v2 does for %s',
    (url) => {
      const ours = signV2({
        method: 'POST',
        host: new URL(url).host,
        path: '/',
        params,
        credentials,
        now: at,
      });
      const theirs = sdkSigned(url);
      expect(ours.Timestamp).toBe('2011-06-20T22:30:59Z');
      expect(ours.Signature).toBe(theirs.params.Signature);
      expect(formBody(ours)).toBe(theirs.body);
    },
  );

  it('verifies what aws-sdk signed, and refuses a changed value, a wrong secret or another host', () => {
    const { params: signed } = sdkSigned('https://127.0.0.1:8443');
    expect(verifyV2('POST', '127.0.0.1:8443', '/', signed, credentials.secretAccessKey)).toEqual({ ok: true });
    expect(
      verifyV2('POST', '127.0.0.1:8443', '/', { ...signed, JobType: 'Export' }, credentials.secretAccessKey),
    ).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyV2('POST', '127.0.0.1:8443', '/', signed, 'not-the-secret')).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyV2('POST', '127.0.0.1:9443', '/', signed, credentials.secretAccessKey).ok).toBe(false);
    const { Signature: _dropped, ...unsigned } = signed;
    expect(verifyV2('POST', '127.0.0.1:8443', '/', unsigned, credentials.secretAccessKey)).toEqual({
      ok: false,
      reason: 'missing-signature',
    });
  });
});
