/**
 * The ARM client against recorded payloads (nock; no network beyond loopback): request shapes, paging,
 * error mapping, and the create flow that must never create twice or clobber a job.
 */
import { readFileSync } from 'node:fs';
import nock from 'nock';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NOT_FOUND, ProviderError } from '../../src/sdk/index.js';
import { type AzureImportExportClient, connect as connectAzure, createToken } from './client.js';
import type { AccountConfig } from './config.js';
import { sampleCreateInput } from './test-inputs.js';
import { parseCreate } from './validate.js';
import { type ArmJobResponse, type ArmListJobsResponse, CREATE_TOKEN_TAG } from './wire.js';

const ARM = 'https://management.azure.com';
const SUB = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';
const RG = 'myResourceGroup';
const TOKEN = 'test-token-0123456789';
const JOBS = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ImportExport/jobs`;
const JOB = `${JOBS}/myJob`;
const Q = { 'api-version': '2021-01-01' };

const example = <T>(file: string, status = '200'): T =>
  (
    JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')) as {
      responses: Record<string, { body: T }>;
    }
  ).responses[status]!.body;

const clients: AzureImportExportClient[] = [];
function connect(overrides: Partial<AccountConfig> = {}, timeoutMs = 5_000): AzureImportExportClient {
  const client = connectAzure(
    {
      kind: 'azure-import-export',
      account: 'acct',
      subscriptionId: SUB,
      resourceGroup: RG,
      token: TOKEN,
      endpoint: ARM,
      ...overrides,
    },
    { account: 'acct', logger: pino({ level: 'silent' }), timeoutMs, now: Date.now },
  );
  clients.push(client);
  return client;
}
const signal = () => AbortSignal.timeout(10_000);
const arm = () => nock(ARM).matchHeader('authorization', `Bearer ${TOKEN}`);
const fail = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  nock.enableNetConnect();
});

describe('listing', () => {
  it('lists a resource group 100 at a time and follows nextLink verbatim', async () => {
    const first = example<ArmListJobsResponse>('ListJobsInResourceGroup.json');
    const nextLink = `${ARM}${JOBS}?api-version=2021-01-01&%24top=100&%24skiptoken=opaque%2Btoken`;
    arm()
      .get(JOBS)
      .query({ ...Q, $top: '100' })
      .matchHeader('accept', 'application/json')
      .matchHeader('x-ms-client-request-id', /^[0-9a-f-]{36}$/)
      .reply(200, { ...first, nextLink });
    arm()
      .get(JOBS)
      .query({ 'api-version': '2021-01-01', $top: '100', $skiptoken: 'opaque+token' })
      .reply(200, example<ArmListJobsResponse>('ListJobsInSubscription.json'));

    const client = connect();
    const page1 = await client.listJobs({ signal: signal() });
    expect(page1.items.map((r) => r.nativeId)).toEqual(first.value!.map((j) => j.name));
    expect(page1.items[0]).toMatchObject({ type: 'IMPORT', createdAt: '2020-02-03T01:01:01.1075056Z' });
    expect(page1.items[0]!.snapshot).toMatchObject({ nativeId: first.value![0]!.name, state: 'RECEIVED' });
    expect(page1.nextPageToken).toBe(nextLink);
    const page2 = await client.listJobs({ pageToken: page1.nextPageToken, signal: signal() });
    expect(page2.items.map((r) => r.snapshot!.state)).toEqual(['RECEIVED', 'TRANSFERRING']);
    expect(page2.nextPageToken).toBeUndefined();
    expect(nock.isDone()).toBe(true);
  });

  it('resolves a relative nextLink against the endpoint, and refuses one on another host', async () => {
    arm()
      .get(JOBS)
      .query(true)
      .reply(200, { value: [], nextLink: `${JOBS}?api-version=2021-01-01&$skiptoken=2` });
    const client = connect();
    expect((await client.listJobs({ signal: signal() })).nextPageToken).toBe(
      `${ARM}${JOBS}?api-version=2021-01-01&$skiptoken=2`,
    );
    arm()
      .get(JOBS)
      .query(true)
      .reply(200, { value: [], nextLink: 'https://collector.example/steal?api-version=2021-01-01' });
    const error = await fail(client.listJobs({ signal: signal() }));
    expect(error).toMatchObject({ code: 'PROVIDER_ERROR', account: 'acct' });
  });

  it('lists a whole subscription and names jobs resourceGroup/name', async () => {
    const list = example<ArmListJobsResponse>('ListJobsInSubscription.json');
    arm()
      .get(`/subscriptions/${SUB}/providers/Microsoft.ImportExport/jobs`)
      .query({ ...Q, $top: '100' })
      .reply(200, list);
    arm()
      .get(
        `/subscriptions/${SUB}/resourceGroups/testrg/providers/Microsoft.ImportExport/jobs/test-bn1-import-cpu100-01`,
      )
      .query(Q)
      .reply(200, list.value![0]);
    const client = connect({ resourceGroup: undefined });
    const page = await client.listJobs({ signal: signal() });
    expect(page.items.map((r) => r.nativeId)).toEqual([
      'testrg/test-bn1-import-cpu100-01',
      'testrg/test-bn1-import-cpu100-02',
    ]);
    const [job, malformed] = await client.getJobs(['testrg/test-bn1-import-cpu100-01', 'no-group'], {
      signal: signal(),
    });
    expect(job).toMatchObject({ nativeId: 'testrg/test-bn1-import-cpu100-01', state: 'RECEIVED' });
    expect(malformed).toBe(NOT_FOUND);
  });

  it('reports a missing resource group as a configuration problem, not as a missing job', async () => {
    arm()
      .get(JOBS)
      .query(true)
      .reply(404, { error: { code: 'ResourceGroupNotFound', message: `Resource group '${RG}' could not be found.` } });
    expect(await fail(connect().listJobs({ signal: signal() }))).toMatchObject({
      code: 'PROVIDER_ERROR',
      providerCode: 'ResourceGroupNotFound',
    });
  });
});

describe('error mapping', () => {
  const armBody = (code: string, message = 'The value s3cr3t-value is wrong.', target?: string) => ({
    error: { code, message, ...(target ? { target } : {}) },
  });

  it.each([
    [401, armBody('InvalidAuthenticationToken'), {}, { code: 'PROVIDER_AUTH_FAILED', retryable: false }],
    [403, armBody('AuthorizationFailed'), {}, { code: 'PROVIDER_AUTH_FAILED' }],
    [404, armBody('ResourceNotFound'), {}, { code: 'NOT_FOUND' }],
    [
      429,
      armBody('TooManyRequests'),
      { 'retry-after': '17' },
      { code: 'RATE_LIMITED', retryable: true, retryAfterSeconds: 17 },
    ],
    [429, armBody('TooManyRequests'), { 'retry-after-ms': '2500' }, { code: 'RATE_LIMITED', retryAfterSeconds: 3 }],
    [500, armBody('InternalServerError'), {}, { code: 'PROVIDER_UNAVAILABLE', retryable: true }],
    [
      503,
      armBody('ServiceUnavailable'),
      { 'retry-after': '5' },
      { code: 'PROVIDER_UNAVAILABLE', retryAfterSeconds: 5 },
    ],
    [409, armBody('DeleteNotAllowed'), {}, { code: 'NOT_ALLOWED_IN_STATE', retryable: false }],
    [409, armBody('Conflict'), {}, { code: 'NOT_ALLOWED_IN_STATE' }],
    [400, armBody('InvalidParameter', 'bad', 'properties.driveList'), {}, { code: 'BAD_USER_INPUT' }],
    [400, armBody('NoRegisteredProviderFound'), {}, { code: 'PROVIDER_ERROR' }],
    [409, armBody('ActiveJobLimitExceeded'), {}, { code: 'PROVIDER_ERROR' }],
    [418, armBody('Teapot'), {}, { code: 'PROVIDER_ERROR' }],
  ])('%i %j → %j', async (status, body, headers, expected) => {
    arm().delete(JOB).query(Q).reply(status, body, headers);
    const error = await fail(connect().deleteJob('myJob', { signal: signal() }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      ...expected,
      account: 'acct',
      provider: 'azure-import-export',
      status,
      providerCode: body.error.code,
    });
    // Built from codes and ids: Azure's own message may quote the request.
    expect((error as Error).message).not.toContain('s3cr3t-value');
    expect((error as Error).message).toContain('myJob');
  });

  it('names a refused field, and explains the active-jobs limit', async () => {
    arm()
      .delete(JOB)
      .query(Q)
      .reply(400, armBody('InvalidParameter', 'bad', 'properties.driveList[0].driveId'));
    expect(((await fail(connect().deleteJob('myJob', { signal: signal() }))) as Error).message).toContain(
      'properties.driveList[0].driveId',
    );
    arm().delete(JOB).query(Q).reply(409, armBody('ActiveJobLimitExceeded'));
    expect(((await fail(connect().deleteJob('myJob', { signal: signal() }))) as Error).message).toMatch(/20/);
  });

  it('understands an error without the envelope, or without JSON', async () => {
    arm().delete(JOB).query(Q).reply(400, { code: 'InvalidParameter', message: 'flat' });
    expect(await fail(connect().deleteJob('myJob', { signal: signal() }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      providerCode: 'InvalidParameter',
    });
    arm().delete(JOB).query(Q).reply(502, '<html>bad gateway</html>');
    expect(await fail(connect().deleteJob('myJob', { signal: signal() }))).toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      providerCode: undefined,
    });
  });

  it('getJobs answers NOT_FOUND for unknown jobs and fails the batch for anything else', async () => {
    arm().get(`${JOBS}/gone`).query(Q).reply(404, armBody('ResourceNotFound'));
    arm().get(JOB).query(Q).reply(200, example('GetJob.json'));
    const client = connect();
    const [gone, job] = await client.getJobs(['gone', 'myJob'], { signal: signal() });
    expect(gone).toBe(NOT_FOUND);
    expect(job).toMatchObject({ nativeId: 'myJob', state: 'CREATING' });
    arm().get(JOB).query(Q).reply(404, armBody('SubscriptionNotFound'));
    expect(await fail(client.getJobs(['myJob'], { signal: signal() }))).toMatchObject({ code: 'PROVIDER_ERROR' });
  });

  it('turns a connection failure into PROVIDER_UNAVAILABLE naming the host only', async () => {
    nock.enableNetConnect('127.0.0.1:1');
    const error = await fail(connect({ endpoint: 'https://127.0.0.1:1' }).getJobs(['myJob'], { signal: signal() }));
    nock.disableNetConnect();
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: true });
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((error as Error).message).not.toContain('api-version');
  });
});

describe('mutations', () => {
  const created = () => example<ArmJobResponse>('CreateJob.json');
  const request = () => parseCreate({ ...sampleCreateInput(), name: 'myJob' });
  const createOpts = (idempotencyKey?: string) => ({ signal: signal(), dryRun: false, idempotencyKey });
  const notFound = { error: { code: 'ResourceNotFound', message: 'not found' } };

  it('looks first, then PUTs with If-None-Match and its token tag', async () => {
    const token = createToken('acct', 'myJob', 'key-1');
    let sent: Record<string, unknown> | undefined;
    arm().get(JOB).query(Q).reply(404, notFound);
    arm()
      .put(JOB, (body) => {
        sent = body as Record<string, unknown>;
        return true;
      })
      .query(Q)
      .matchHeader('if-none-match', '*')
      .matchHeader('content-type', 'application/json')
      .reply(201, { ...created(), tags: { [CREATE_TOKEN_TAG]: token } });
    const result = await connect().createJob(request(), createOpts('key-1'));
    expect(result.job).toMatchObject({ nativeId: 'myJob', state: 'CREATING', type: 'IMPORT' });
    expect(sent).toEqual({ ...request().body, tags: { [CREATE_TOKEN_TAG]: token } });
  });

  it('refuses a name already in use without touching the job', async () => {
    arm().get(JOB).query(Q).reply(200, example('GetJob.json'));
    const error = await fail(connect().createJob(request(), createOpts()));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems).toEqual([{ field: 'name', message: expect.any(String) }]);
    expect(nock.isDone()).toBe(true);
  });

  it('treats 412 from the PUT as a name in use', async () => {
    arm().get(JOB).query(Q).reply(404, notFound);
    arm()
      .put(JOB)
      .query(Q)
      .reply(412, { error: { code: 'PreconditionFailed', message: 'exists' } });
    expect(await fail(connect().createJob(request(), createOpts()))).toBeInstanceOf(InvalidInputError);
  });

  it('returns the job a retry with the same idempotency key finds already created', async () => {
    arm()
      .get(JOB)
      .query(Q)
      .reply(200, { ...created(), tags: { [CREATE_TOKEN_TAG]: createToken('acct', 'myJob', 'key-2') } });
    const result = await connect().createJob(request(), createOpts('key-2'));
    expect(result.job!.nativeId).toBe('myJob');
  });

  // Under undici, nock's replyWithError leaves the request hanging: the call's timeout ends it, as in life.
  it('after a PUT that got no answer, finds the job it created by name and token', async () => {
    arm().get(JOB).query(Q).reply(404, notFound);
    arm().put(JOB).query(Q).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    arm()
      .get(JOB)
      .query(Q)
      .reply(200, { ...created(), tags: { [CREATE_TOKEN_TAG]: createToken('acct', 'myJob', 'key-3') } });
    const result = await connect({}, 400).createJob(request(), createOpts('key-3'));
    expect(result.job!.nativeId).toBe('myJob');
    expect(nock.isDone()).toBe(true);
  });

  it('after a PUT that got no answer and left no job, says so and marks it not retryable', async () => {
    arm().get(JOB).query(Q).reply(404, notFound);
    arm().put(JOB).query(Q).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    arm().get(JOB).query(Q).reply(404, notFound);
    const error = await fail(connect({}, 400).createJob(request(), createOpts('key-4')));
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: false });
    expect((error as Error).message).toContain('idempotencyKey');
  });

  it('needs a resource group when the account spans the subscription, before any request', async () => {
    const error = await fail(connect({ resourceGroup: undefined }).createJob(request(), createOpts()));
    expect((error as InvalidInputError).problems).toEqual([{ field: 'resourceGroup', message: expect.any(String) }]);
    const withGroup = parseCreate({ ...sampleCreateInput(), name: 'myJob', resourceGroup: 'other' });
    const path = `/subscriptions/${SUB}/resourceGroups/other/providers/Microsoft.ImportExport/jobs/myJob`;
    arm().get(path).query(Q).reply(404, notFound);
    arm().put(path).query(Q).reply(201, created());
    expect((await connect({ resourceGroup: undefined }).createJob(withGroup, createOpts())).job!.nativeId).toBe(
      'myResourceGroup/myJob',
    );
  });

  it('updates, cancels and deletes with the SDK request shapes', async () => {
    const updated = example<ArmJobResponse>('UpdateJob.json');
    arm()
      .patch(JOB, { properties: { state: 'Shipping', deliveryPackage: { carrierName: 'FedEx', trackingNumber: '1' } } })
      .query(Q)
      .reply(200, updated);
    arm()
      .patch(JOB, { properties: { cancelRequested: true } })
      .query(Q)
      .reply(200, { ...updated, properties: { ...updated.properties, cancelRequested: true } });
    arm().delete(JOB).query(Q).reply(200);
    const client = connect();
    await client.updateJob(
      'myJob',
      { properties: { state: 'Shipping', deliveryPackage: { carrierName: 'FedEx', trackingNumber: '1' } } },
      { signal: signal() },
    );
    expect((await client.cancelJob('myJob', { signal: signal() })).cancelRequested).toBe(true);
    await client.deleteJob('myJob', { signal: signal() });
    expect(nock.isDone()).toBe(true);
  });
});
