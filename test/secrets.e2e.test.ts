/**
 * The secrets promise on the failure paths, for every provider at once: wrong credentials, an unreachable
 * endpoint, an endpoint that never answers, throttling, provider errors whose message quotes the request (as
 * real providers' sometimes do), creates with secrets that succeed, are refused, lose their answer or go to a
 * failing account, and invalid input that holds secrets. The gateway logs at trace level through the logger
 * the CLI uses, into a SQLite store; at the end every response, every log line and the store's files are
 * searched for every secret the test knows.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsRunningSimulator } from '../adapters/aws-import-export/simulator.js';
import { sampleCreateInput as awsSample, importManifest } from '../adapters/aws-import-export/test-inputs.js';
import type { AzureSimulator } from '../adapters/azure-import-export/simulator.js';
import {
  sampleCreateInput as azureSample,
  EXAMPLE_BITLOCKER_KEY,
  EXAMPLE_CARRIER_ACCOUNT,
} from '../adapters/azure-import-export/test-inputs.js';
import { sampleCreateInput as iotSample, SAMPLE_SAS_SIGNATURE } from '../adapters/iot-hub/test-inputs.js';
import { type GatewayConfig, parseConfig } from '../src/config.js';
import { createGateway, type Gateway } from '../src/gateway.js';
import { createLogger } from '../src/log.js';
import { registry } from '../src/registry.js';
import { type Sandbox, startSandbox } from '../src/sandbox/index.js';
import { type RunningServer, startServer } from '../src/server/index.js';
import {
  connectWs,
  type GraphQLResponse,
  postGraphQL,
  toWsUrl,
  type WsClient,
  type WsSubscription,
} from './helpers/servers.js';

const { adapters } = registry;

const AZURE = 'azure-import-export';
const AWS = 'aws-import-export';
const IOT = 'iot-hub';
const sandboxAccount = (kind: string) => `sandbox-${kind}`;

/** Secrets this test makes up: wrong credentials, and values in inputs. */
const WRONG_AZURE_TOKEN = 'wrong-azure-token-7f3c9a1e5b2d4c6e8a0b';
const WRONG_AWS_SECRET = 'WrongAwsSecretKey/9q8w7e6r5t4y3u2i1o0pAsDf';
const WRONG_IOT_KEY = Buffer.from('wrong-iot-hub-shared-access-key-00042').toString('base64');
const TRUECRYPT_PASSWORD = 'tc-password-5e1f0c2b9a8d7e6f';
const OTHER_BITLOCKER_KEY = '601106-247797-388817-106183-479545-034672-513414-699886';
const OTHER_CARRIER_ACCOUNT = '7744551100';
const OTHER_SAS_SIGNATURE = 'b3RoZXItY29udGFpbmVyLXNpZ25hdHVyZQ%3D%3D';

/** Per provider: its input branch, how its API refuses a create, and the HTTP method of a create. */
const PROVIDERS = [
  { kind: AZURE, branch: 'azureImportExport', badRequest: 'InvalidRequest', status: 400, createMethod: 'PUT' },
  { kind: AWS, branch: 'awsImportExport', badRequest: 'InvalidParameterException', status: 400, createMethod: 'POST' },
  { kind: IOT, branch: 'iotHub', badRequest: 'ArgumentInvalid', status: 400, createMethod: 'POST' },
] as const;

/** A provider error message quoting what the request carried, as providers sometimes do. */
const ECHOING_MESSAGE = [
  `bitLockerKey '${EXAMPLE_BITLOCKER_KEY}' is not valid`,
  `carrier account ${EXAMPLE_CARRIER_ACCOUNT} refused`,
  `container https://crossdockstore.blob.core.windows.net/x?sv=2021-08-06&sig=${SAMPLE_SAS_SIGNATURE} is not reachable`,
  `manifest trueCryptPassword: ${TRUECRYPT_PASSWORD}`,
].join('; ');

function secretInput(kind: string): Record<string, unknown> {
  if (kind === AWS) {
    const manifest = `${importManifest(`SECRETS-${process.pid}-${Math.random().toString(36).slice(2, 8)}`)}trueCryptPassword: ${TRUECRYPT_PASSWORD}\n`;
    return { ...awsSample(), manifest };
  }
  return kind === AZURE ? azureSample() : iotSample();
}

/** A TCP server that accepts connections and never says a word: a provider that does not answer. */
async function startSilentServer(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Read (and drop) what the client sends, so its end of the connection is seen.
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('no secret reaches a response, a log line or the store on any failure path', () => {
  let sandbox: Sandbox;
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  let dir: string;
  let storePath: string;
  let config: GatewayConfig;
  let gateway: Gateway;
  let server: RunningServer;
  let ws: WsClient;
  let events: WsSubscription<unknown>;
  const logLines: string[] = [];
  const responses: string[] = [];
  const query = async <T>(text: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> => {
    const res = await postGraphQL<T>(server.url, text, variables);
    responses.push(JSON.stringify(res));
    return res;
  };
  const CREATE =
    'mutation($input: CreateJobInput!) { createJob(input: $input) { replayed job { id nativeId state details { key value } artifacts { url } } errors { code field message providerCode } } }';
  type CreatePayload = {
    job: { id: string; nativeId: string } | null;
    errors: { code: string; field: string | null; message: string; providerCode: string | null }[];
  };
  const create = async (kind: string, account: string, input: Record<string, unknown>, extra = {}) => {
    const branch = PROVIDERS.find((p) => p.kind === kind)!.branch;
    const res = await query<{ createJob: CreatePayload }>(CREATE, { input: { account, [branch]: input, ...extra } });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data!.createJob;
  };
  const sim = (kind: string) => sandbox.simulators.get(sandboxAccount(kind))!;
  const cancel = (id: string) => query('mutation($id: ID!) { cancelJob(id: $id) { errors { code message } } }', { id });
  /** Polls until a round succeeds, so no injected fault is left for the next step. */
  const drainFaults = async (account: string) => {
    for (let attempt = 0; attempt < 10; attempt++) {
      if (
        await gateway.pollNow(account).then(
          () => true,
          () => false,
        )
      )
        return;
    }
    throw new Error(`${account} kept failing`);
  };
  const failing = (kind: string) => [`${kind}-wrong-credentials`, `${kind}-unreachable`, `${kind}-silent`];

  beforeAll(async () => {
    sandbox = await startSandbox({ registry, seed: 11, stepMs: 0, seedJobs: 6, autopilot: false });
    silent = await startSilentServer();
    dir = mkdtempSync(join(tmpdir(), 'crossdock-secrets-'));
    storePath = join(dir, 'store.sqlite');
    const good = sandbox.description.providers;
    const wrong = good.map((p) => {
      const entry: Record<string, unknown> = { ...p, account: `${p.kind}-wrong-credentials` };
      if (p.kind === AZURE) entry.token = WRONG_AZURE_TOKEN;
      if (p.kind === AWS) entry.secretAccessKey = WRONG_AWS_SECRET;
      if (p.kind === IOT)
        entry.connectionString = String(p.connectionString).replace(
          /SharedAccessKey=[^;]+/,
          `SharedAccessKey=${WRONG_IOT_KEY}`,
        );
      return entry;
    });
    const unreachable = good.map((p) => ({ ...p, account: `${p.kind}-unreachable`, endpoint: 'https://127.0.0.1:1' }));
    const silentOnes = good.map((p) => ({ ...p, account: `${p.kind}-silent`, endpoint: silent.endpoint }));
    config = parseConfig(
      {
        ...sandbox.description,
        providers: [...good, ...wrong, ...unreachable, ...silentOnes],
        store: { kind: 'sqlite', path: storePath },
        logLevel: 'trace',
        // Short enough to keep the silent accounts quick, long enough for loopback calls on a busy machine.
        providerTimeoutMs: 2_000,
        polling: { enabled: false },
      },
      registry,
    );
    const logger = createLogger(
      'trace',
      registry,
      new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    );
    gateway = createGateway(config, { logger, registry });
    server = await startServer(gateway, { host: '127.0.0.1', port: 0 });
    // An IoT hub runs one import/export job at a time: end the seeded active one so creates can run.
    const active = await query<{ jobs: { edges: { node: { id: string } }[] } }>(
      '{ jobs(first: 100, filter: { accounts: ["sandbox-iot-hub"], states: [CREATING, TRANSFERRING] }) { edges { node { id } } } }',
    );
    for (const { node } of active.data?.jobs.edges ?? []) await cancel(node.id);
    // Every event the gateway publishes is a response too.
    ws = connectWs(toWsUrl(server.url));
    events = ws.subscribe(
      'subscription { jobEvents { cursor kind state providerState changes job { id name details { key value } artifacts { url } errors { message } failureReason } } }',
    );
  });
  afterAll(async () => {
    await ws?.dispose();
    await server?.close();
    await gateway?.dispose();
    await sandbox?.close();
    await silent?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads through failing accounts: wrong credentials, unreachable, silent', async () => {
    const res = await query<{ jobs: { totalCount: number } }>(
      '{ jobs(first: 1000) { totalCount edges { node { id name details { key value } artifacts { url } errors { message } failureReason } } } }',
    );
    expect(res.data!.jobs.totalCount).toBeGreaterThan(0);
    const codes = Object.fromEntries((res.errors ?? []).map((e) => [e.extensions?.account, e.extensions?.code]));
    for (const { kind } of PROVIDERS) {
      expect(codes[`${kind}-wrong-credentials`], kind).toBe('PROVIDER_AUTH_FAILED');
      expect(codes[`${kind}-unreachable`], kind).toBe('PROVIDER_UNAVAILABLE');
      expect(codes[`${kind}-silent`], kind).toBe('PROVIDER_UNAVAILABLE');
    }
    await Promise.all(
      PROVIDERS.flatMap(({ kind }) => failing(kind)).map((a) =>
        query('query($a: String!) { jobByNativeId(account: $a, nativeId: "some-job") { id } }', { a }),
      ),
    );
    const polls = await Promise.allSettled(config.providers.map((p) => gateway.pollNow(p.account)));
    expect(polls.filter((p) => p.status === 'rejected')).toHaveLength(9);
    const health = await query<{ accounts: { name: string; health: { lastErrorMessage: string | null } }[] }>(
      '{ accounts { name health { status lastErrorCode lastErrorMessage } } }',
    );
    expect(health.data!.accounts.filter((a) => a.health.lastErrorMessage)).toHaveLength(9);
  });

  it('reports throttling and provider errors whose message quotes secrets without repeating them', async () => {
    for (const { kind } of PROVIDERS) {
      const account = sandboxAccount(kind);
      sim(kind).inject({ status: 429, retryAfterSeconds: 3, message: ECHOING_MESSAGE, count: 1 });
      // maxAge 0: a live read, so the provider is asked (and throttles) now.
      const throttled = await query(
        'query($a: [String!]) { jobs(first: 10, filter: { accounts: $a }, maxAge: 0) { totalCount } }',
        { a: [account] },
      );
      expect(throttled.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', account });
      sim(kind).inject({ status: 500, message: ECHOING_MESSAGE, count: 1 });
      await expect(gateway.pollNow(account)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', account });
      sim(kind).inject({ status: 503, message: ECHOING_MESSAGE, count: 3 });
      await query('query($a: [String!]) { jobs(first: 10, filter: { accounts: $a }, maxAge: 0) { totalCount } }', {
        a: [account],
      });
      await drainFaults(account);
    }
  });

  it.each(PROVIDERS)(
    '$kind: creates with secrets: accepted, refused quoting them, failed, answer lost, and at failing accounts',
    async ({ kind, badRequest, status, createMethod }) => {
      const account = sandboxAccount(kind);
      const ok = await create(kind, account, secretInput(kind), { idempotencyKey: `secrets-${kind}` });
      expect(ok.errors).toEqual([]);
      const conflict = await create(kind, account, secretInput(kind), { idempotencyKey: `secrets-${kind}` });
      expect(conflict.errors.map((e) => e.code)).toEqual(['IDEMPOTENCY_CONFLICT']);
      // An IoT hub runs one import/export job at a time: end this one so the next creates reach the provider.
      await cancel(ok.job!.id);

      sim(kind).inject({ status, code: badRequest, message: ECHOING_MESSAGE, method: createMethod });
      const refused = await create(kind, account, secretInput(kind));
      expect(refused.job).toBeNull();
      expect(refused.errors.map((e) => [e.code, e.providerCode])).toEqual([['BAD_USER_INPUT', badRequest]]);

      // A 500 before the work: the adapter looks for a job it may have made, finds none, and says so.
      sim(kind).inject({ status: 500, message: ECHOING_MESSAGE, method: createMethod });
      const failed = await create(kind, account, secretInput(kind), { idempotencyKey: `secrets-500-${kind}` });
      expect(failed.job).toBeNull();
      expect(failed.errors.map((e) => e.code)).toEqual(['PROVIDER_UNAVAILABLE']);

      // The provider creates the job but its answer comes too late: the adapter looks for what it created.
      sim(kind).inject({ status: 200, passThrough: true, delayMs: 3_000, method: createMethod });
      const late = await create(kind, account, secretInput(kind), { idempotencyKey: `secrets-late-${kind}` });
      expect(late.errors).toEqual([]);
      await cancel(late.job!.id);

      for (const other of failing(kind)) {
        const payload = await create(kind, other, secretInput(kind), { idempotencyKey: `secrets-${other}` });
        expect(payload.job, other).toBeNull();
        expect(payload.errors[0]?.code, other).toMatch(/^PROVIDER_(AUTH_FAILED|UNAVAILABLE)$/);
      }
    },
  );

  it('refuses invalid input that holds secrets without quoting them', async () => {
    const azure = azureSample();
    const drive = (azure.driveList as Record<string, unknown>[])[0]!;
    const invalid: [string, Record<string, unknown>][] = [
      // A BitLocker key one digit off, next to a valid one and a carrier account number.
      [
        AZURE,
        {
          ...azure,
          name: '-bad-name',
          returnShipping: { carrierName: 'FedEx', carrierAccountNumber: OTHER_CARRIER_ACCOUNT },
          driveList: [drive, { ...drive, driveId: 'AB12CD34', bitLockerKey: `${OTHER_BITLOCKER_KEY.slice(0, -1)}7` }],
        },
      ],
      [AZURE, { ...azure, driveList: [{ ...drive, bitLockerKey: `${EXAMPLE_BITLOCKER_KEY}-${OTHER_BITLOCKER_KEY}` }] }],
      [
        IOT,
        {
          type: 'EXPORT',
          outputBlobContainerUri: `ftp://crossdockstore.blob.core.windows.net/c?sv=2021-08-06&sig=${OTHER_SAS_SIGNATURE}`,
        },
      ],
      [
        IOT,
        {
          type: 'IMPORT',
          outputBlobContainerUri: `https://crossdockstore.blob.core.windows.net/c?sv=2021-08-06&sig=${OTHER_SAS_SIGNATURE}`,
          inputBlobContainerUri: `not a url sig=${SAMPLE_SAS_SIGNATURE}`,
        },
      ],
      [AWS, { jobType: 'IMPORT', manifest: `trueCryptPassword: ${TRUECRYPT_PASSWORD}\n  bucket: [unclosed` }],
      [
        AWS,
        {
          jobType: 'IMPORT',
          manifest: `${importManifest('DEV-SECRET').replace(/^ {2}city:.*\n/m, '')}trueCryptPassword: ${TRUECRYPT_PASSWORD}\n`,
        },
      ],
      [AWS, { jobType: 'IMPORT', manifest: `trueCryptPassword:\n  - ${TRUECRYPT_PASSWORD}\nbucket: b\n` }],
    ];
    for (const [kind, input] of invalid) {
      const before = sim(kind).requests.length;
      const payload = await create(kind, sandboxAccount(kind), input);
      expect(payload.job, JSON.stringify(input)).toBeNull();
      expect(payload.errors.map((e) => e.code)).toContain('BAD_USER_INPUT');
      expect(sim(kind).requests.length, 'a request reached the provider').toBe(before);
    }
    // Wrongly typed secrets, which graphql-js itself would quote.
    const typed = await query(CREATE, {
      input: {
        account: sandboxAccount(AZURE),
        azureImportExport: { ...azure, driveList: [{ ...drive, bitLockerKey: [OTHER_BITLOCKER_KEY] }] },
      },
    });
    expect(typed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('finds none of them anywhere', async () => {
    const accountSecrets = config.providers.flatMap((p) =>
      adapters
        .find((a) => a.kind === p.kind)!
        .secretFields.flatMap((k) => (typeof p[k] === 'string' ? [p[k] as string] : [])),
    );
    const sharedKeys = accountSecrets.flatMap((s) => [...s.matchAll(/SharedAccessKey=([^;]+)/g)].map((m) => m[1]!));
    const azureSim = sim(AZURE) as AzureSimulator;
    const azureNames = (
      await query<{ jobs: { edges: { node: { nativeId: string } }[] } }>(
        `{ jobs(first: 1000, filter: { accounts: ["${sandboxAccount(AZURE)}"] }) { edges { node { nativeId } } } }`,
      )
    ).data!.jobs.edges.map((e) => e.node.nativeId);
    const azureStored = azureNames.flatMap((name) => {
      const job = azureSim.storedJob(name);
      return [
        job?.properties.returnShipping?.carrierAccountNumber,
        ...(job?.properties.driveList ?? []).map((d) => d.bitLockerKey),
      ].filter((s): s is string => typeof s === 'string' && s.length > 0);
    });
    expect(azureStored.length).toBeGreaterThan(2);
    const secrets = [
      ...accountSecrets,
      ...sharedKeys,
      WRONG_AZURE_TOKEN,
      WRONG_AWS_SECRET,
      WRONG_IOT_KEY,
      TRUECRYPT_PASSWORD,
      EXAMPLE_BITLOCKER_KEY,
      EXAMPLE_CARRIER_ACCOUNT,
      OTHER_BITLOCKER_KEY,
      `${OTHER_BITLOCKER_KEY.slice(0, -1)}7`,
      OTHER_CARRIER_ACCOUNT,
      SAMPLE_SAS_SIGNATURE,
      decodeURIComponent(SAMPLE_SAS_SIGNATURE),
      OTHER_SAS_SIGNATURE,
      decodeURIComponent(OTHER_SAS_SIGNATURE),
      ...(sim(AWS) as AwsRunningSimulator).secrets(),
      ...azureStored,
    ];
    expect(accountSecrets.length).toBe(12);
    const store = ['', '-wal', '-journal', '-shm']
      .map((suffix) => `${storePath}${suffix}`)
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file).toString('latin1'))
      .join('\n');
    expect(store.length).toBeGreaterThan(0);
    expect(responses.length).toBeGreaterThan(40);
    expect(logLines.length).toBeGreaterThan(50);
    expect(events.results.length).toBeGreaterThan(5);
    const places = {
      responses: [...responses, ...events.results.map((r) => JSON.stringify(r))].join('\n'),
      logs: logLines.join(''),
      store,
    };
    for (const [where, text] of Object.entries(places)) {
      for (const secret of secrets) expect(text.includes(secret), `${where} hold the secret ${secret}`).toBe(false);
      // Whatever else signs or authorizes a request: SAS tokens and signatures, AWS signatures, bearer tokens.
      expect(text, where).not.toMatch(
        /SharedAccessSignature |sig=(?!\[removed\])[^&\s"]|[?&]Signature=|Bearer [A-Za-z0-9]/,
      );
    }
  });
});
