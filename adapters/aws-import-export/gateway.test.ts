/**
 * The gateway over HTTP with only the AWS adapter: what a `jobs` query costs at the provider, the
 * shared snapshot cache, typed errors carrying AWS's codes, and no secret in any answer or log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../test/helpers/servers.js';
import { adapter } from './index.js';
import type { AwsRunningSimulator } from './simulator.js';

const ACCOUNT = 'sandbox-aws-import-export';
const WRONG_SECRET = 'V3JvbmdTZWNyZXRGb3JUaGVHYXRld2F5VGVzdA==';

interface JobNode {
  nativeId: string;
  state: string | null;
  providerState: string;
  type: string;
  allowedActions: string[];
}
interface JobsData {
  jobs: { totalCount: number; edges: { node: JobNode }[] };
}

const JOBS = /* GraphQL */ `
  query Jobs($first: Int, $filter: JobFilter, $maxAge: Int) {
    jobs(first: $first, filter: $filter, maxAge: $maxAge) {
      totalCount
      edges {
        node {
          id nativeId provider account state providerState type createdAt location failureReason allowedActions
          progress { message }
          artifacts { kind description url }
          shipping { returnAddress { recipientName streetLines city } returnPackage { carrier trackingNumber } returnCarrier }
          errors { code message }
          details { key value }
        }
      }
    }
  }
`;

let t: TestGateway;
let sim: AwsRunningSimulator;
const responses: string[] = [];

const query = async <T>(text: string, variables?: Record<string, unknown>) => {
  const res = await t.query<T>(text, variables);
  responses.push(JSON.stringify(res));
  return res;
};
const jobsOf = (account: string, first = 200) => query<JobsData>(JOBS, { first, filter: { accounts: [account] } });
const callsSince = (from: number, operation: string) =>
  sim.requests.slice(from).filter((r) => r.operation === operation).length;

beforeAll(async () => {
  t = await startTestGateway({
    adapters: [adapter],
    seedJobs: 200,
    logLevel: 'trace',
    // Two more accounts at the same simulator: one with a wrong secret, one with a key AWS does not know.
    configure: (config) => {
      const [aws] = config.providers as Record<string, unknown>[];
      return {
        ...config,
        providers: [
          aws,
          { ...aws, account: 'aws-wrong-secret', secretAccessKey: WRONG_SECRET },
          { ...aws, account: 'aws-unknown-key', accessKeyId: 'AKIAUNKNOWNGATEWAY00' },
        ],
      };
    },
  });
  sim = t.sandbox.simulators.get(ACCOUNT) as AwsRunningSimulator;
});
afterAll(() => t?.dispose());

describe('jobs(first: 200) over 200 AWS jobs', () => {
  it('costs one ListJobs walk plus one GetStatus per job, never more than 4 at once', async () => {
    // Each request takes a little while, so that concurrent GetStatus calls overlap at the simulator.
    sim.setLatency(10);
    sim.resetInFlight();
    const before = sim.requests.length;
    const res = await jobsOf(ACCOUNT);
    sim.setLatency(0);
    expect(res.errors).toBeUndefined();
    expect(res.data!.jobs.edges).toHaveLength(200);
    expect(callsSince(before, 'ListJobs')).toBe(2); // pages of 100
    expect(callsSince(before, 'GetStatus')).toBe(200); // one per job
    expect(sim.requests.length - before).toBe(callsSince(before, 'ListJobs') + callsSince(before, 'GetStatus'));
    // statusConcurrency defaults to 4: reached, never exceeded.
    expect(sim.maxInFlight()).toBe(4);

    const nodes = res.data!.jobs.edges.map((e) => e.node);
    expect(new Set(nodes.map((n) => n.state)).size).toBeGreaterThan(4);
    for (const node of nodes) expect(node.providerState).toBeTruthy();
    const creating = nodes.find((n) => n.state === 'CREATING');
    expect(creating?.allowedActions).toEqual(['UPDATE', 'CANCEL']);
    const transferring = nodes.find((n) => n.state === 'TRANSFERRING');
    expect(transferring?.allowedActions).toEqual([]);
  });

  it('asks the provider nothing for the next query: it reads the job index', async () => {
    const before = sim.requests.length;
    const res = await jobsOf(ACCOUNT);
    expect(res.data!.jobs.edges).toHaveLength(200);
    expect(sim.requests.length).toBe(before);
  });
});

describe('typed errors carrying the AWS code', () => {
  it.each([
    ['aws-wrong-secret', 'SignatureDoesNotMatch'],
    ['aws-unknown-key', 'InvalidClientTokenIdException'],
  ])('%s → PROVIDER_AUTH_FAILED with %s', async (account, providerCode) => {
    const res = await jobsOf(account, 5);
    expect(res.data!.jobs.edges).toEqual([]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({
      code: 'PROVIDER_AUTH_FAILED',
      account,
      provider: 'aws-import-export',
      providerCode,
      providerStatus: 403,
    });
  });

  it('an unknown job id → NOT_FOUND', async () => {
    const res = await query(`{ jobByNativeId(account: "${ACCOUNT}", nativeId: "NOPE1") { id } }`);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', account: ACCOUNT });
  });

  it('throttling → RATE_LIMITED with the code and the Retry-After hint', async () => {
    sim.inject({ status: 400, code: 'Throttling', retryAfterSeconds: 5 });
    // A live read (maxAge 0) asks the provider now.
    const res = await query<JobsData>(JOBS, { first: 5, filter: { accounts: [ACCOUNT] }, maxAge: 0 });
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      account: ACCOUNT,
      providerCode: 'Throttling',
      retryAfterSeconds: 5,
    });
  });

  it('the schema offers the AWS input branches for createJob and updateJob', async () => {
    const res = await query<{
      create: { inputFields: { name: string }[] };
      update: { inputFields: { name: string }[] };
    }>(
      '{ create: __type(name: "CreateJobInput") { inputFields { name } } update: __type(name: "UpdateJobInput") { inputFields { name } } }',
    );
    expect(res.data!.create.inputFields.map((f) => f.name)).toContain('awsImportExport');
    expect(res.data!.update.inputFields.map((f) => f.name)).toContain('awsImportExport');
  });
});

describe('secrets', () => {
  it('never appear in a response or a log line: account secrets, device signatures, TrueCrypt passwords', async () => {
    await jobsOf(ACCOUNT);
    const secrets = [...sim.secrets(), WRONG_SECRET];
    expect(secrets.length).toBeGreaterThan(200); // the account secret plus one signature per job, and more
    const everything = `${responses.join('\n')}\n${t.logs.join('\n')}`;
    expect(t.logs.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(everything).not.toContain(secret);
    expect(everything).not.toContain('trueCryptPassword');
  });
});
