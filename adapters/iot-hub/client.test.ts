/**
 * The client against recorded IoT Hub answers (nock; no network but loopback): the requests it sends, how it
 * reads listings and batches, and how every error answer becomes a ProviderError without secrets.
 */
import { readFileSync } from 'node:fs';
import nock from 'nock';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AccountClient, type JobSnapshot, NOT_FOUND, ProviderError } from '../../src/sdk/index.js';
import { type HubConnection, verifyServiceToken } from './auth.js';
import { connect as connectHub } from './client.js';
import { configSchema } from './config.js';
import { parseCreate } from './validate.js';

const HOST = 'contoso-hub.azure-devices.net';
const KEY = Buffer.from('crossdock-test-shared-access-key-0001').toString('base64');
const ORIGIN = `https://${HOST}`;
const hub: HubConnection = { hostName: HOST, policyName: 'iothubowner', key: KEY };
const fixtureText = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const fixture = (name: string): unknown => JSON.parse(fixtureText(name));
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };
const signal = () => AbortSignal.timeout(10_000);

const clients: AccountClient[] = [];
function connect(now: () => number = Date.now, timeoutMs = 5_000): AccountClient {
  const config = configSchema.parse({
    kind: 'iot-hub',
    account: 'contoso',
    connectionString: `HostName=${HOST};SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY}`,
  });
  const client = connectHub(config, { account: 'contoso', logger: pino({ level: 'silent' }), timeoutMs, now });
  clients.push(client);
  return client;
}

/** A ProviderError must say what happened without the key, a token or a SAS. */
function expectClean(error: ProviderError) {
  const text = `${error.message} ${JSON.stringify(error)}`;
  expect(text).not.toContain(KEY);
  expect(text).not.toMatch(/sig=|SharedAccessSignature/);
}

async function failure(call: Promise<unknown>): Promise<ProviderError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  expectClean(error as ProviderError);
  return error as ProviderError;
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  nock.enableNetConnect();
});

describe('requests', () => {
  it('sends a fresh SAS for the hub on every call, with api-version 2021-04-12', async () => {
    let clock = 1_800_000_000_000;
    const client = connect(() => clock);
    const tokens: string[] = [];
    const scope = nock(ORIGIN)
      .matchHeader('authorization', (value: string | null) => {
        tokens.push(String(value));
        return true;
      })
      .get('/jobs')
      .query({ 'api-version': '2021-04-12' })
      .times(2)
      .reply(200, fixtureText('list-jobs.json'), JSON_HEADERS);
    await client.listJobs({ signal: signal() });
    clock += 5_000;
    await client.listJobs({ signal: signal() });
    expect(scope.isDone()).toBe(true);
    expect(tokens[0]).toMatch(
      /^SharedAccessSignature sr=contoso-hub\.azure-devices\.net&sig=[^&]+&skn=iothubowner&se=\d+$/,
    );
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(verifyServiceToken(tokens[1], { ...hub, nowSeconds: clock / 1000 })).toBe('ok');
    expect(tokens[0]).toContain(`se=${1_800_000_000 + 3600}`);
  });

  it('posts exactly the validated body to /jobs/create and returns the job in CREATING', async () => {
    const client = connect();
    const input = parseCreate({
      type: 'IMPORT',
      inputBlobContainerUri:
        'https://contosodevices.blob.core.windows.net/devices-in?sv=2021-08-06&sp=rl&sig=aW5wdXQ%3D',
      outputBlobContainerUri:
        'https://contosodevices.blob.core.windows.net/import-results?sv=2021-08-06&sp=rwdl&sig=b3V0',
    });
    const scope = nock(ORIGIN, { reqheaders: { 'content-type': 'application/json; charset=utf-8' } })
      .post('/jobs/create', JSON.stringify(input))
      .query({ 'api-version': '2021-04-12' })
      .reply(200, fixtureText('sdk-wire-minimal-job.json'), JSON_HEADERS);
    const result = await client.createJob!(input, { signal: signal(), dryRun: false });
    expect(scope.isDone()).toBe(true);
    expect(result.job).toMatchObject({ nativeId: 'job-1', type: 'IMPORT', state: 'CREATING' });
    expect(JSON.stringify(result)).not.toContain('sig=');
  });
});

describe('reading jobs', () => {
  it('lists import/export jobs from the bare array, with snapshots, and skips other job types', async () => {
    nock(ORIGIN).get('/jobs').query(true).reply(200, fixtureText('list-jobs.json'), JSON_HEADERS);
    const page = await connect().listJobs({ signal: signal() });
    expect(page.nextPageToken).toBeUndefined();
    expect(page.items.map((r) => [r.nativeId, r.type, r.createdAt, r.snapshot?.state])).toEqual([
      ['job-1', 'IMPORT', '2026-11-22T23:22:22.000Z', 'CREATING'],
      ['237a8d76-8f1a-4771-8464-6f733e4879bf', 'EXPORT', '2026-11-20T10:00:00.000Z', 'COMPLETED'],
    ]);
  });

  it('answers a batch with one listing, asking by id only for jobs it does not list', async () => {
    const scope = nock(ORIGIN)
      .get('/jobs')
      .query(true)
      .reply(200, fixtureText('list-jobs.json'), JSON_HEADERS)
      .get('/jobs/gone-job')
      .query(true)
      .reply(404, '{"Message":"ErrorCode:JobNotFound;Job not found","ExceptionMessage":"Tracking ID:x"}', {
        ...JSON_HEADERS,
        'iothub-errorcode': 'JobNotFound',
      })
      .get('/jobs/twin-update-7')
      .query(true)
      .reply(200, JSON.stringify((fixture('list-jobs.json') as unknown[])[2]), JSON_HEADERS);
    const got = await connect().getJobs(
      ['job-1', 'gone-job', '237a8d76-8f1a-4771-8464-6f733e4879bf', 'twin-update-7'],
      {
        signal: signal(),
      },
    );
    expect(scope.isDone()).toBe(true);
    expect((got[0] as JobSnapshot).nativeId).toBe('job-1');
    expect(got[1]).toBe(NOT_FOUND);
    expect((got[2] as JobSnapshot).state).toBe('COMPLETED');
    // A scheduled device job is not an import/export job: the gateway does not know it.
    expect(got[3]).toBe(NOT_FOUND);
  });

  it('gets a single job by id', async () => {
    nock(ORIGIN).get('/jobs/job-1').query(true).reply(200, fixtureText('sdk-wire-minimal-job.json'), JSON_HEADERS);
    const [job] = await connect().getJobs(['job-1'], { signal: signal() });
    expect((job as JobSnapshot).providerState).toBe('enqueued');
  });

  it('reports an answer that is not a job as PROVIDER_ERROR', async () => {
    nock(ORIGIN).get('/jobs').query(true).reply(200, '{"value":[]}', JSON_HEADERS);
    expect((await failure(connect().listJobs({ signal: signal() }))).code).toBe('PROVIDER_ERROR');
  });
});

describe('cancel', () => {
  it('reads the job from a 200 answer', async () => {
    const cancelled = { ...(fixture('sdk-wire-minimal-job.json') as object), status: 'cancelled' };
    const scope = nock(ORIGIN).delete('/jobs/job-1').query(true).reply(200, JSON.stringify(cancelled), JSON_HEADERS);
    const job = await connect().cancelJob!('job-1', { signal: signal() });
    expect(scope.isDone()).toBe(true);
    expect(job.state).toBe('CANCELLED');
  });

  it('asks for the job after a 204', async () => {
    const cancelled = { ...(fixture('sdk-wire-minimal-job.json') as object), status: 'cancelled' };
    const scope = nock(ORIGIN)
      .delete('/jobs/job-1')
      .query(true)
      .reply(204)
      .get('/jobs/job-1')
      .query(true)
      .reply(200, JSON.stringify(cancelled), JSON_HEADERS);
    const job = await connect().cancelJob!('job-1', { signal: signal() });
    expect(scope.isDone()).toBe(true);
    expect(job.state).toBe('CANCELLED');
  });
});

describe('error answers → ProviderError', () => {
  const iot = (code: string) => ({ ...JSON_HEADERS, 'iothub-errorcode': code });
  it.each([
    [
      '401 with header',
      401,
      fixtureText('error-unauthorized.json'),
      iot('IotHubUnauthorizedAccess'),
      'PROVIDER_AUTH_FAILED',
      'IotHubUnauthorizedAccess',
    ],
    [
      '401 body only',
      401,
      fixtureText('error-unauthorized.json'),
      JSON_HEADERS,
      'PROVIDER_AUTH_FAILED',
      'IotHubUnauthorizedAccess',
    ],
    [
      '404 JobNotFound',
      404,
      '{"Message":"ErrorCode:JobNotFound;Job not found"}',
      iot('JobNotFound'),
      'NOT_FOUND',
      'JobNotFound',
    ],
    ['404 without an IoT body', 404, '', {}, 'NOT_FOUND', undefined],
    [
      '400 ArgumentInvalid',
      400,
      '{"Message":"ErrorCode:ArgumentInvalid;bad arg"}',
      iot('ArgumentInvalid'),
      'BAD_USER_INPUT',
      'ArgumentInvalid',
    ],
    [
      '403 IotHubQuotaExceeded',
      403,
      '{"Message":"ErrorCode:IotHubQuotaExceeded;quota"}',
      iot('IotHubQuotaExceeded'),
      'PROVIDER_ERROR',
      'IotHubQuotaExceeded',
    ],
    ['500', 500, '{"Message":"ErrorCode:ServerError;boom"}', iot('ServerError'), 'PROVIDER_UNAVAILABLE', 'ServerError'],
    ['503 not JSON', 503, 'Service Unavailable', {}, 'PROVIDER_UNAVAILABLE', undefined],
  ])('%s', async (_, status, body, headers, code, providerCode) => {
    nock(ORIGIN).get('/jobs').query(true).reply(status, body, headers);
    const error = await failure(connect().listJobs({ signal: signal() }));
    expect(error).toMatchObject({ code, providerCode, status, account: 'contoso', provider: 'iot-hub' });
  });

  it('429 is RATE_LIMITED with the Retry-After the hub sent', async () => {
    nock(ORIGIN)
      .get('/jobs')
      .query(true)
      .reply(429, '{"Message":"ErrorCode:ThrottlingException;slow down"}', {
        ...iot('ThrottlingException'),
        'retry-after': '7',
      });
    const error = await failure(connect().listJobs({ signal: signal() }));
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      providerCode: 'ThrottlingException',
      retryable: true,
      retryAfterSeconds: 7,
    });
  });

  const exportInput = () =>
    parseCreate({
      type: 'EXPORT',
      outputBlobContainerUri:
        'https://contosodevices.blob.core.windows.net/devices-out?sv=2021-08-06&sp=rwdl&sig=ZXhwb3J0',
    });

  it('403 JobQuotaExceeded on create is its own PROVIDER_ERROR, and nothing is looked up or retried', async () => {
    const scope = nock(ORIGIN)
      .post('/jobs/create')
      .query(true)
      .reply(403, fixtureText('error-job-quota-exceeded.json'), iot('JobQuotaExceeded'));
    const error = await failure(connect().createJob!(exportInput(), { signal: signal(), dryRun: false }));
    expect(scope.isDone()).toBe(true);
    expect(error).toMatchObject({
      code: 'PROVIDER_ERROR',
      providerCode: 'JobQuotaExceeded',
      status: 403,
      retryable: false,
    });
    expect(error.message).toMatch(/one import\/export job per hub/);
  });

  it('400 BlobContainerValidationError on create is BAD_USER_INPUT, without the container URI', async () => {
    nock(ORIGIN)
      .post('/jobs/create')
      .query(true)
      .reply(400, fixtureText('error-blob-container.json'), iot('BlobContainerValidationError'));
    const error = await failure(connect().createJob!(exportInput(), { signal: signal(), dryRun: false }));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', providerCode: 'BlobContainerValidationError' });
    expect(error.message).not.toContain('contosodevices');
  });
});

describe('create without an answer', () => {
  const input = () =>
    parseCreate({
      type: 'EXPORT',
      outputBlobContainerUri: 'https://contosodevices.blob.core.windows.net/devices-out?sv=2021-08-06&sp=rwdl&sig=bmV3',
    });
  const listed = (startTimeUtc: string, container = 'devices-out') => [
    {
      jobId: 'created-by-us',
      type: 'export',
      status: 'enqueued',
      startTimeUtc,
      // The hub may echo another SAS for the same container: containers are compared without it.
      outputBlobContainerUri: `https://contosodevices.blob.core.windows.net/${container}?sv=2021-08-06&sig=b3RoZXI`,
    },
  ];

  it('after a 500 finds the job it created by type, containers and start time, and creates nothing more', async () => {
    const scope = nock(ORIGIN)
      .post('/jobs/create')
      .query(true)
      .reply(500, '{"Message":"ErrorCode:ServerError;x"}', JSON_HEADERS)
      .get('/jobs')
      .query(true)
      .reply(200, () => JSON.stringify(listed(new Date().toISOString())), JSON_HEADERS);
    const result = await connect().createJob!(input(), { signal: signal(), dryRun: false });
    expect(scope.isDone()).toBe(true);
    expect(result.job?.nativeId).toBe('created-by-us');
  });

  it('after a 200 it cannot read, looks for the job instead of reporting a plain failure', async () => {
    const scope = nock(ORIGIN)
      .post('/jobs/create')
      .query(true)
      .reply(200, '<html>gateway page</html>', { 'content-type': 'text/html' })
      .get('/jobs')
      .query(true)
      .reply(200, () => JSON.stringify(listed(new Date().toISOString())), JSON_HEADERS);
    const result = await connect().createJob!(input(), { signal: signal(), dryRun: false });
    expect(scope.isDone()).toBe(true);
    expect(result.job?.nativeId).toBe('created-by-us');
  });

  it('reports PROVIDER_UNAVAILABLE when no job it could have created shows up', async () => {
    const scope = nock(ORIGIN)
      .post('/jobs/create')
      .query(true)
      .reply(503, '{"Message":"ErrorCode:ServiceUnavailable;x"}', JSON_HEADERS)
      .get('/jobs')
      .query(true)
      .times(3)
      // An older job for the same container, and a new one for another: neither is ours.
      .reply(
        200,
        () => JSON.stringify([...listed('2020-01-01T00:00:00Z'), ...listed(new Date().toISOString(), 'other')]),
        JSON_HEADERS,
      );
    const error = await failure(connect().createJob!(input(), { signal: signal(), dryRun: false }));
    expect(scope.isDone()).toBe(true);
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: false });
    expect(error.message).toMatch(/did not confirm the create and no job it could have created was found/);
  });

  it('says it could not look when the listing fails too, rather than that no job was found', async () => {
    const scope = nock(ORIGIN)
      .post('/jobs/create')
      .query(true)
      .reply(503, '{"Message":"ErrorCode:ServiceUnavailable;x"}', JSON_HEADERS)
      .get('/jobs')
      .query(true)
      .reply(503, '{"Message":"ErrorCode:ServiceUnavailable;x"}', JSON_HEADERS);
    const error = await failure(connect().createJob!(input(), { signal: signal(), dryRun: false }));
    expect(scope.isDone()).toBe(true);
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: false });
    expect(error.message).toMatch(/did not confirm the create and its jobs could not be listed to look for it/);
  });
});

describe('config', () => {
  it.each([
    ['no key', `HostName=${HOST};SharedAccessKeyName=iothubowner`],
    ['a device connection string', `HostName=${HOST};DeviceId=d1;SharedAccessKey=${KEY}`],
    ['a port in HostName', `HostName=127.0.0.1:8443;SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY}`],
  ])('refuses a connection string with %s, without quoting it', (_, connectionString) => {
    const result = configSchema.safeParse({ kind: 'iot-hub', account: 'a', connectionString });
    expect(result.success).toBe(false);
    const text = JSON.stringify(result.error?.issues);
    expect(result.error?.issues[0]?.path).toEqual(['connectionString']);
    expect(text).not.toContain(KEY);
  });

  it('refuses a plain-http endpoint and unknown keys', () => {
    const base = {
      kind: 'iot-hub',
      account: 'a',
      connectionString: `HostName=${HOST};SharedAccessKeyName=p;SharedAccessKey=${KEY}`,
    };
    expect(configSchema.safeParse({ ...base, endpoint: 'http://127.0.0.1:8080' }).success).toBe(false);
    expect(configSchema.safeParse({ ...base, sharedAccessKey: KEY }).success).toBe(false);
    expect(configSchema.safeParse({ ...base, endpoint: 'https://127.0.0.1:8443' }).success).toBe(true);
  });
});
