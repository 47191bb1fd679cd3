/**
 * The README's examples are what a newcomer pastes first, so they run here as written: the quick start's curl
 * query and every ```graphql block (```graphql supergraph ones, which need a router and a second subgraph, run in
 * test/federation.e2e.test.ts), in the README's order, against a freshly started `crossdock serve` on the
 * sandbox (the CLI, as `npm start` runs it). Each operation gets the variables of its `# Variables:` line;
 * the `<…>` placeholders there are filled from earlier answers, as the README tells the reader to. The
 * sandbox is frozen (`--step-ms 0`) so its jobs stay in the states the examples rely on while they run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type CliProcess, runCli } from './helpers/process.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

interface Example {
  kind: 'query' | 'mutation' | 'subscription';
  name: string;
  document: string;
  /** As the README gives them; `<…>` strings are placeholders. */
  variables: Record<string, unknown>;
}

/** The operations of every ```graphql block, each with the `# Variables:` line written just above it. */
function examples(): Example[] {
  const found: Example[] = [];
  for (const [, block] of readme.matchAll(/```graphql\n([\s\S]*?)```/g)) {
    let variables: Record<string, unknown> = {};
    let current: string[] | undefined;
    for (const line of block!.split('\n')) {
      if (current) {
        current.push(line);
        if (line === '}') {
          const document = current.join('\n');
          const [, kind, name] = document.match(/^(query|mutation|subscription)\s+(\w+)/) ?? [];
          if (!kind || !name) throw new Error(`README operation without a name:\n${document}`);
          found.push({ kind: kind as Example['kind'], name, document, variables });
          current = undefined;
          variables = {};
        }
        continue;
      }
      const given = line.match(/^# Variables[^:]*:\s*(\{.*\})\s*$/);
      if (given) variables = JSON.parse(given[1]!) as Record<string, unknown>;
      else if (/^(query|mutation|subscription|\{)/.test(line)) current = [line];
    }
  }
  return found;
}

const isPlaceholder = (value: unknown) => typeof value === 'string' && /^<.*>$/.test(value);

interface JobNode {
  id: string;
  provider: string;
  account: string;
  nativeId: string;
  state: string;
  allowedActions: string[];
}

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

describe('README examples, run as written against the sandbox', () => {
  let dir: string;
  let gateway: CliProcess;
  let url: string;
  /** What earlier examples answered, for the placeholders of later ones. */
  const seen: { jobs: JobNode[]; created?: string; cursorBefore?: string } = { jobs: [] };
  const all = examples();

  const post = async (body: unknown): Promise<Answer> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Answer;
  };
  const pick = (what: string, match: (job: JobNode) => boolean) => {
    const job = seen.jobs.find(match);
    if (!job) throw new Error(`the sandbox has no ${what} for the README's example`);
    return job;
  };

  /** Fills an example's `<…>` placeholders the way its README comment says. */
  const placeholders: Record<string, () => Record<string, unknown>> = {
    JobById: () => ({ id: seen.jobs[0]!.id }),
    JobByNativeId: () => ({
      nativeId: pick('Azure job', (j) => j.account === 'sandbox-azure-import-export').nativeId,
    }),
    ShipAzureJob: () => ({ id: seen.created }),
    CancelJob: () => ({
      id: pick('cancellable IoT Hub job', (j) => j.provider === 'iot-hub' && j.allowedActions.includes('CANCEL')).id,
    }),
    DeleteJob: () => ({
      id: pick(
        'completed Azure job',
        (j) =>
          j.account === 'sandbox-azure-import-export' && j.state === 'COMPLETED' && j.allowedActions.includes('DELETE'),
      ).id,
    }),
    JobEvents: () => ({ after: seen.cursorBefore }),
  };
  const variablesOf = (example: Example) => {
    const needed = Object.entries(example.variables).filter(([, v]) => isPlaceholder(v));
    if (!needed.length) return example.variables;
    const fill = placeholders[example.name];
    if (!fill) throw new Error(`README example ${example.name} has placeholders this test does not know how to fill`);
    const filled = fill();
    for (const [key] of needed) expect(filled[key], `${example.name}: ${key}`).toBeDefined();
    return { ...example.variables, ...filled };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crossdock-readme-'));
    gateway = runCli(['serve', '--port', '0', '--step-ms', '0', '--log-level', 'warn'], {
      cwd: dir,
      env: { PORT: '' },
    });
    url = (await gateway.waitForLine(/GraphQL at http:\/\//)).match(/(http:\/\/\S+)/)![1]!;
    // Where the event log stands before the examples run: the subscription example resumes from it.
    const latest = await post({ query: '{ latestJobEventCursor }' });
    seen.cursorBefore = (latest.data as { latestJobEventCursor: string }).latestJobEventCursor;
  });

  afterAll(async () => {
    await gateway?.stop('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has named queries, mutations and a subscription, each with the sandbox account names', () => {
    expect(all.filter((e) => e.kind === 'query').length).toBeGreaterThanOrEqual(4);
    expect(all.filter((e) => e.kind === 'mutation').length).toBeGreaterThanOrEqual(5);
    expect(all.some((e) => e.kind === 'subscription')).toBe(true);
    const accounts = [...readme.matchAll(/account: "([^"]+)"/g)].map((m) => m[1]);
    expect(accounts.filter((a) => !a!.startsWith('sandbox-'))).toEqual([]);
  });

  it("the quick start's curl query", async () => {
    const [, body] = readme.match(/curl -s http:\/\/127\.0\.0\.1:4000\/graphql [^\n]*\\\n\s*-d '([^']+)'/) ?? [];
    expect(body).toBeDefined();
    const answer = await post(JSON.parse(body!));
    expect(answer.errors).toBeUndefined();
    expect((answer.data as { jobs: { edges: unknown[] } }).jobs.edges.length).toBeGreaterThan(0);
  });

  it("the typed client example's operation", async () => {
    const [, document] = readme.match(/graphql\(`([\s\S]*?)`\)/) ?? [];
    const [, variables] = readme.match(/query: print\(\w+\), variables: (\{[^}]*\})/) ?? [];
    expect(document && variables).toBeTruthy();
    // A JavaScript object literal of plain keys and JSON values.
    const answer = await post({ query: document, variables: JSON.parse(variables!.replace(/(\w+):/g, '"$1":')) });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.jobs).toBeTruthy();
  });

  // In order: later examples use what earlier ones answered (ids, the created job).
  for (const example of all) {
    it(`${example.kind} ${example.name}`, async () => {
      if (example.kind === 'subscription') return runSubscription(example);
      const answer = await post({ query: example.document, variables: variablesOf(example) });
      expect(answer.errors).toBeUndefined();
      const [field, result] = Object.entries(answer.data ?? {})[0] ?? [];
      expect(result, `${example.name} answered nothing`).toBeTruthy();
      // Mutation payloads carry the expected failures: none of them may happen.
      if (example.kind === 'mutation') expect((result as { errors: unknown[] }).errors).toEqual([]);
      check(example.name, field!, result as Record<string, unknown>);
    });
  }

  function check(name: string, field: string, result: Record<string, unknown>) {
    if (name === 'Jobs') {
      seen.jobs = (result as { edges: { node: JobNode }[] }).edges.map((e) => e.node);
      expect(seen.jobs.length).toBeGreaterThan(0);
    }
    if (name === 'JobById') expect(result.id).toBe(seen.jobs[0]!.id);
    if (name === 'Accounts') {
      expect((result as unknown as { name: string }[]).map((a) => a.name).sort()).toEqual([
        'sandbox-aws-import-export',
        'sandbox-azure-import-export',
        'sandbox-iot-hub',
      ]);
    }
    if (name === 'CreateAzureImport') {
      seen.created = (result.job as { id: string }).id;
      expect(result.replayed).toBe(false);
    }
    if (name === 'ShipAzureJob') expect((result.job as { state: string }).state).toBe('SHIPPING');
    if (name === 'ProviderStats') {
      const groups = (result as { groups: { provider: string; jobs: number }[] }).groups;
      expect(groups.map((g) => g.provider).sort()).toEqual(['aws-import-export', 'azure-import-export', 'iot-hub']);
      for (const group of groups) expect(group.jobs).toBeGreaterThan(0);
    }
    if (name === 'ValidateAwsManifest') expect(result.dryRun).toBe(true);
    if (name === 'CancelJob') {
      const job = result.job as { state: string; cancelRequested: boolean };
      expect(job.state === 'CANCELLED' || job.cancelRequested).toBe(true);
    }
    if (name === 'ExportIotDevices') expect((result.job as { state: string }).state).toBe('CREATING');
    if (name === 'DeleteJob') expect(result.deletedId).toBeTruthy();
    expect(field).toBeTruthy();
  }

  /** Resumes from the cursor taken before the mutations: it must replay the CREATED event of the job made above. */
  async function runSubscription(example: Example) {
    const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const events: { kind: string; job: { id: string } | null }[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no CREATED event; got ${JSON.stringify(events)}`)), 20_000);
        const stop = client.subscribe<{ jobEvents: { kind: string; job: { id: string } | null } }>(
          { query: example.document, variables: variablesOf(example) },
          {
            next: ({ data, errors }) => {
              if (errors) reject(new Error(JSON.stringify(errors)));
              if (data) events.push(data.jobEvents);
              if (data?.jobEvents.kind === 'CREATED' && data.jobEvents.job?.id === seen.created) {
                clearTimeout(timer);
                stop();
                resolve();
              }
            },
            error: (error) => {
              clearTimeout(timer);
              reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
            },
            complete: () => {},
          },
        );
      });
    } finally {
      await client.dispose();
    }
  }
});
