/**
 * The client against recorded-shape answers (nock): request signing and encoding, paging, and how each
 * AWS error becomes a ProviderError with the public code, the AWS code and no secret.
 */
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient, ProviderError } from '../../src/sdk/index.js';
import { verifyV2 } from './auth.js';
import { ImportExportClient } from './client.js';
import { renderError, renderResult } from './wire.js';

const ENDPOINT = 'https://importexport.amazonaws.com';
const credentials = { accessKeyId: 'AKIDEXAMPLE000000000', secretAccessKey: 'client-test-secret/Key+0123456789abcdef' };
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const signal = () => AbortSignal.timeout(5_000);

let http: HttpClient;
let client: ImportExportClient;
/** The form bodies the client sent, decoded. */
let sent: Record<string, string>[] = [];

const api = () =>
  nock(ENDPOINT)
    .post('/', (body: Record<string, string>) => {
      sent.push(body);
      return true;
    })
    .matchHeader('content-type', 'application/x-www-form-urlencoded; charset=utf-8');

const listPage = (ids: string[], truncated: boolean) =>
  renderResult(
    'ListJobs',
    {
      Jobs: {
        member: ids.map((id) => ({
          JobId: id,
          CreationDate: '2010-03-28T20:27:35Z',
          IsCanceled: false,
          JobType: 'Import',
        })),
      },
      IsTruncated: truncated,
    },
    'req',
  );

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  http = createHttpClient({ account: 'acct', provider: 'aws-import-export', timeoutMs: 5_000 });
  client = new ImportExportClient({ account: 'acct', endpoint: ENDPOINT, credentials, http, now: Date.now });
});
afterEach(() => {
  nock.cleanAll();
  sent = [];
});
afterAll(async () => {
  nock.enableNetConnect();
  await http.dispose();
});

describe('requests', () => {
  it('signs every request with SigV2 over the form body, as the service verifies it', async () => {
    api().reply(200, fixture('get-status-cli-example.xml'));
    const status = await client.getStatus('EX1ID', signal());
    expect(status.JobId).toBe('EX1ID');
    const [body] = sent;
    expect(body).toMatchObject({
      Action: 'GetStatus',
      Version: '2010-06-01',
      JobId: 'EX1ID',
      AWSAccessKeyId: credentials.accessKeyId,
      SignatureMethod: 'HmacSHA256',
      SignatureVersion: '2',
      Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(verifyV2('POST', 'importexport.amazonaws.com', '/', body!, credentials.secretAccessKey)).toEqual({
      ok: true,
    });
  });

  it('walks ListJobs pages with MaxJobs and Marker until IsTruncated is false', async () => {
    api().reply(200, listPage(['AAAAA', 'BBBBB'], true));
    api().reply(200, listPage(['CCCCC'], false));
    const ids: string[] = [];
    for await (const job of client.allJobs(signal(), 2)) ids.push(job.JobId);
    expect(ids).toEqual(['AAAAA', 'BBBBB', 'CCCCC']);
    expect(sent.map((b) => [b.MaxJobs, b.Marker])).toEqual([
      ['2', undefined],
      ['2', 'BBBBB'],
    ]);
    expect(nock.isDone()).toBe(true);
  });

  it('stops when a truncated page brings no job instead of paging forever', async () => {
    api().reply(200, renderResult('ListJobs', { Jobs: '', IsTruncated: true }, 'req'));
    const ids: string[] = [];
    for await (const job of client.allJobs(signal(), 100)) ids.push(job.JobId);
    expect(ids).toEqual([]);
    expect(sent).toHaveLength(1);
  });

  it('sends CreateJob with the manifest as one value', async () => {
    api().reply(200, fixture('create-job-guide-sample.xml'));
    const manifest = 'manifestVersion: 2.0\nbucket: b & c\n';
    const out = await client.createJob({ jobType: 'Import', manifest, validateOnly: true }, signal());
    expect(out.JobId).toBe('TEST1');
    expect(sent[0]).toMatchObject({ Action: 'CreateJob', JobType: 'Import', Manifest: manifest, ValidateOnly: 'true' });
  });
});

describe('errors', () => {
  const leaky = 'the manifest said trueCryptPassword: hunter2-leak';

  it.each([
    ['ListJobs', 403, 'SignatureDoesNotMatch', 'PROVIDER_AUTH_FAILED'],
    ['ListJobs', 403, 'InvalidClientTokenIdException', 'PROVIDER_AUTH_FAILED'],
    ['ListJobs', 403, 'InvalidClientTokenId', 'PROVIDER_AUTH_FAILED'],
    ['GetStatus', 400, 'InvalidAccessKeyIdException', 'PROVIDER_AUTH_FAILED'],
    ['CreateJob', 400, 'InvalidAccessKeyIdException', 'BAD_USER_INPUT'],
    ['GetStatus', 400, 'InvalidJobIdException', 'NOT_FOUND'],
    ['CancelJob', 400, 'UnableToCancelJobIdException', 'NOT_ALLOWED_IN_STATE'],
    ['UpdateJob', 400, 'UnableToUpdateJobIdException', 'NOT_ALLOWED_IN_STATE'],
    ['CancelJob', 400, 'CanceledJobIdException', 'NOT_ALLOWED_IN_STATE'],
    ['CreateJob', 400, 'MalformedManifestException', 'BAD_USER_INPUT'],
    ['CreateJob', 400, 'MissingManifestFieldException', 'BAD_USER_INPUT'],
    ['UpdateJob', 400, 'InvalidFileSystemException', 'BAD_USER_INPUT'],
    ['CreateJob', 400, 'NoSuchBucketException', 'BAD_USER_INPUT'],
    ['ListJobs', 400, 'InvalidParameterException', 'BAD_USER_INPUT'],
    ['CreateJob', 400, 'CreateJobQuotaExceededException', 'RATE_LIMITED'],
    ['GetStatus', 400, 'InvalidVersionException', 'PROVIDER_ERROR'],
    ['GetStatus', 503, 'ServiceUnavailable', 'PROVIDER_UNAVAILABLE'],
  ] as const)('%s answering %i %s → %s', async (operation, status, code, publicCode) => {
    api().reply(status, renderError(code, leaky, status >= 500 ? 'Receiver' : 'Sender', 'req'));
    const call = {
      ListJobs: () => client.listJobs({}, signal()),
      GetStatus: () => client.getStatus('ABCDE', signal()),
      CancelJob: () => client.cancelJob('ABCDE', signal()),
      UpdateJob: () =>
        client.updateJob({ jobId: 'ABCDE', jobType: 'Import', manifest: 'm', validateOnly: false }, signal()),
      CreateJob: () => client.createJob({ jobType: 'Import', manifest: 'm', validateOnly: false }, signal()),
    }[operation];
    const error = await call().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      code: publicCode,
      providerCode: code,
      status,
      account: 'acct',
      provider: 'aws-import-export',
      retryable: status >= 500 || publicCode === 'RATE_LIMITED',
    });
    const message = (error as ProviderError).message;
    expect(message).toContain(code);
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain(credentials.secretAccessKey);
  });

  it('reports throttling as RATE_LIMITED with the Retry-After hint', async () => {
    api().reply(400, renderError('Throttling', 'Rate exceeded', 'Sender', 'req'), { 'Retry-After': '7' });
    await expect(client.listJobs({}, signal())).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      providerCode: 'Throttling',
      retryAfterSeconds: 7,
      retryable: true,
    });
  });

  it('gives bodies that are not the XML envelope a code from the status', async () => {
    api().reply(500, 'upstream connect error');
    await expect(client.getStatus('ABCDE', signal())).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      providerCode: 'HTTP500',
    });
    api().reply(200, '<Unexpected><Thing/></Unexpected>');
    await expect(client.getStatus('ABCDE', signal())).rejects.toMatchObject({ code: 'PROVIDER_ERROR' });
  });
});
