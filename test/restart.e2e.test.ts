/**
 * A gateway that crashes and a second process that takes over the same SQLite store: a websocket subscriber
 * that resumes with its last cursor sees every change of every job exactly once — what the first process
 * published is not repeated, and what happened while no gateway ran arrives once, marked afterGap. The
 * gateways are the real CLI (`crossdock serve --config`); the simulators run in this test process and are
 * stepped by hand, and the test reads the provider's truth after each step with clients of its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FormattedExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../src/registry.js';
import type { Sandbox } from '../src/sandbox/index.js';
import type { AccountClient, JobSnapshot } from '../src/sdk/model.js';
import {
  fingerprintJob,
  JOB_EVENTS,
  type JobEventData,
  type JobEventsResult,
  readTruth,
  TruthLog,
  truthClient,
} from './helpers/events.js';
import { type CliProcess, runCli } from './helpers/process.js';
import { connectWs, postGraphQL, startTestSandbox, toWsUrl, type WsClient, waitUntil } from './helpers/servers.js';

const { adapters } = registry;

interface Health {
  accounts: { name: string; health: { lastPollAt: string | null } }[];
}

describe.runIf(adapters.length > 0)('a gateway restarted on the same SQLite store', () => {
  let sandbox: Sandbox;
  let dir: string;
  let configFile: string;
  const processes: CliProcess[] = [];
  const clients: WsClient[] = [];
  const truthClients = new Map<string, AccountClient>();
  /** The provider's truth per account and job, at each point the test looked. */
  const truth = new TruthLog();
  /** Accounts whose provider needs a call per job: terminal jobs are re-read only every terminal interval. */
  const perJobAccounts = new Set<string>();

  const key = (account: string, nativeId: string) => `${account}/${nativeId}`;
  /** Reads every account's jobs from the providers; records a look unless `record` is false. */
  const readAllTruth = async (record = true) => {
    const now = new Map<string, JobSnapshot>();
    for (const [account, client] of truthClients) {
      for (const [id, s] of await readTruth(client)) now.set(key(account, id), s);
    }
    return record ? truth.record(now) : -1;
  };

  async function startGateway(): Promise<string> {
    const cli = runCli(['serve', '--config', configFile, '--port', '0', '--log-level', 'warn'], {
      cwd: dir,
      env: { PORT: '' },
    });
    processes.push(cli);
    const line = await cli.waitForLine(/GraphQL at http:\/\//);
    return line.match(/(http:\/\/\S+)/)![1]!;
  }

  /** Waits until every account was polled by a round that started at or after `sinceMs`. */
  async function polledSince(url: string, sinceMs: number) {
    await waitUntil(async () => {
      const res = await postGraphQL<Health>(url, '{ accounts { name health { lastPollAt } } }');
      return (res.data?.accounts ?? []).every(
        (a) => a.health.lastPollAt !== null && Date.parse(a.health.lastPollAt) >= sinceMs,
      );
    }, 'a poll round of every account');
  }

  /** One lifecycle step of every simulator; then the gateway at `url` (if any) has polled it. */
  async function step(url: string | undefined, record = true) {
    for (const sim of sandbox.simulators.values()) sim.step();
    const at = Date.now();
    await readAllTruth(record);
    if (url) await polledSince(url, at);
  }

  const latest = async (url: string) =>
    (await postGraphQL<{ latestJobEventCursor: string }>(url, '{ latestJobEventCursor }')).data!.latestJobEventCursor;
  const eventsOf = (results: FormattedExecutionResult<JobEventsResult>[]): JobEventData[] => {
    for (const r of results) expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return results.map((r) => r.data!.jobEvents);
  };
  const seqOf = (cursor: string) => Number(Buffer.from(cursor, 'base64url').toString('utf8').split(':')[2]);

  beforeAll(async () => {
    sandbox = await startTestSandbox({ seed: 21, seedJobs: 6, autopilot: true });
    dir = mkdtempSync(join(tmpdir(), 'crossdock-restart-'));
    configFile = join(dir, 'crossdock.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        ...sandbox.description,
        store: { kind: 'sqlite', path: join(dir, 'state.sqlite') },
        // Terminal jobs are not re-read during the test (an hour), so what the gateway sees is deterministic.
        polling: {
          intervalMs: { active: 100, waiting: 100, terminal: 3_600_000 },
          jitter: 0,
          backoff: { initialMs: 100 },
        },
      }),
    );
    for (const p of sandbox.description.providers) {
      const adapter = adapters.find((a) => a.kind === p.kind)!;
      const client = truthClient(adapter, sandbox, p.account);
      truthClients.set(p.account, client);
      if (!client.capabilities.listIncludesSnapshots) perJobAccounts.add(p.account);
    }
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await Promise.all([...truthClients.values()].map((c) => c.dispose()));
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows every change exactly once across a crash, and what changed while down once, afterGap', async () => {
    // The first gateway: baseline, then a subscriber follows a few steps.
    const first = await startGateway();
    const startedAt = Date.now();
    const firstLook = await readAllTruth();
    await polledSince(first, startedAt);
    const from = await latest(first);
    const before = connectWs(toWsUrl(first));
    clients.push(before);
    const s1 = before.subscribe<JobEventsResult>(JOB_EVENTS, { after: from });
    for (let i = 0; i < 5; i++) await step(first);
    await waitUntil(
      async () => s1.results.length > 0 && s1.results.at(-1)!.data?.jobEvents.cursor === (await latest(first)),
      'subscriber 1 to catch up',
    );

    // Crash. Changes happen while no gateway runs; only the state at the restart is observable.
    await processes[0]!.stop('SIGKILL');
    for (let i = 0; i < 3; i++) await step(undefined, false);
    const restartLook = await readAllTruth();
    const terminalIsFinal = (k: string) => perJobAccounts.has(k.split('/')[0]!);
    const changedWhileDown = [...truth.jobs.keys()].filter((k) => truth.changedAt(k, restartLook, terminalIsFinal(k)));

    // The second gateway on the same store; the subscriber resumes with the last cursor it received.
    const second = await startGateway();
    const resumeFrom = eventsOf(s1.results).at(-1)?.cursor ?? from;
    const after = connectWs(toWsUrl(second));
    clients.push(after);
    const s2 = after.subscribe<JobEventsResult>(JOB_EVENTS, { after: resumeFrom });
    await polledSince(second, Date.now());
    for (let i = 0; i < 5; i++) await step(second);
    await waitUntil(async () => {
      const last = s2.results.at(-1)?.data?.jobEvents.cursor;
      return last !== undefined && last === (await latest(second));
    }, 'subscriber 2 to catch up');

    const events = [...eventsOf(s1.results), ...eventsOf(s2.results)];
    const seqs = events.map((e) => seqOf(e.cursor));
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b)); // increasing, none twice

    // Per job: exactly the provider's distinct states at each look (the downtime collapsed to one).
    for (const k of truth.jobs.keys()) {
      const [account] = k.split('/');
      const nativeId = k.slice(account!.length + 1);
      const seen = events.filter((e) => e.job.nativeId === nativeId && accountOf(e) === account);
      expect(
        seen.map((e) => fingerprintJob(e.job)),
        `events of ${k}`,
      ).toEqual(truth.expected(k, firstLook, terminalIsFinal(k)));
    }
    // The changes made while no gateway ran: one event per job, from the second gateway, after a gap.
    const gapEvents = events.filter((e) => e.afterGap);
    expect(gapEvents.length).toBeGreaterThan(0);
    expect(gapEvents.map((e) => `${accountOf(e)}/${e.job.nativeId}`).sort()).toEqual(changedWhileDown.sort());
    for (const e of gapEvents) expect(eventsOf(s2.results)).toContainEqual(e);
  }, 90_000); // three gateway processes in turn: slow on a loaded two-core machine, not a hang
});

/** The account of an event's job, from its global id (base64url JSON [type, account, nativeId]). */
function accountOf(event: JobEventData): string {
  return (JSON.parse(Buffer.from(event.jobId, 'base64url').toString('utf8')) as string[])[1]!;
}
