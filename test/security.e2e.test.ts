/**
 * The security suite: attacks as a hostile client would try them, over real sockets, against a real gateway
 * process (the CLI, so its resident memory can be watched) with API keys, JWT over a JWKS on loopback and an
 * allowed browser origin; plus two in-process open gateways with low caps for rate and websocket limits, and
 * CLI start-up faults. Every attack must be refused with its public code; the gateway's RSS stays under 500 MB.
 * The suite prints, per category, how many attacks it tried and how many were refused as expected.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Role, roleAllows } from '../src/auth/index.js';
import { jobGlobalId } from '../src/ids.js';
import { registry } from '../src/registry.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { adapterFor } from '../src/sdk/index.js';
import { lockStore, openHostProblem } from '../src/server/startup.js';
import { type CliProcess, runCli } from './helpers/process.js';
import {
  AttackTally,
  bearer,
  codesOf,
  type HttpAnswer,
  post,
  RawProtocolClient,
  sampleRss,
  startIssuer,
} from './helpers/security.js';
import { startTestGatewayOn, startTestSandbox, type TestGateway, toWsUrl, waitUntil } from './helpers/servers.js';
import {
  EVENT_FILTERS,
  EVENTS_SUBSCRIPTION,
  MUTATION_PATHS,
  normalized,
  payloadErrors,
  READ_PATHS,
  refusalOf,
  SAMPLE_CREATE_INPUTS,
  type Target,
  type TargetKind,
} from './helpers/tenancy.js';

const { adapters } = registry;
const ISSUER = 'https://issuer.crossdock.test';
const AUDIENCE = 'crossdock-gateway';
const APP_ORIGIN = 'https://app.example';
const EVIL_ORIGIN = 'https://evil.example';
const KEYS = {
  viewer: `viewer-${'v'.repeat(24)}`,
  operator: `operator-${'o'.repeat(24)}`,
  admin: `admin-${'a'.repeat(24)}`,
  tenantViewer: `tenant-viewer-${'t'.repeat(24)}`,
  tenantAdmin: `tenant-admin-${'t'.repeat(24)}`,
};
const JOBS_PAGE = 'jobs(first: 1000) { edges { node { id state } } }';
const aliased = (n: number, field = JOBS_PAGE) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

const tally = new AttackTally();
const firstCode = (answer: HttpAnswer<unknown>) => String(codesOf(answer.body)[0]);
const oneLine = (text: string) => text.trim().split('\n').filter(Boolean);

describe.runIf(adapters.length > 0)('the gateway under attack', () => {
  let sandbox: Sandbox;
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let dir: string;
  let gw: CliProcess;
  let url: string;
  let rss: ReturnType<typeof sampleRss>;
  let aliasAttackMs = 0;
  const sockets: RawProtocolClient[] = [];
  const socket = (target: string, headers: Record<string, string> = {}) => {
    const client = new RawProtocolClient(target, headers);
    sockets.push(client);
    return client;
  };
  const as = (role: keyof typeof KEYS) => bearer(KEYS[role]);
  const auditLines = () =>
    gw
      .stderr()
      .split('\n')
      .filter((l) => l.includes('"audit"'))
      .map((l) => JSON.parse(l) as { principal: string; outcome: string; mutations: string[]; errorCodes?: string[] });

  beforeAll(async () => {
    sandbox = await startTestSandbox({ seedJobs: 4 });
    issuer = await startIssuer(ISSUER, AUDIENCE);
    dir = mkdtempSync(join(tmpdir(), 'crossdock-security-'));
    const firstAccount = sandbox.description.providers[0]!.account;
    const config = {
      ...sandbox.description,
      store: { kind: 'memory' },
      polling: { enabled: false },
      server: { cors: { origins: [APP_ORIGIN] } },
      auth: {
        apiKeys: [
          { name: 'ops-viewer', key: '${VIEWER_KEY}', role: 'viewer' },
          { name: 'ops-operator', key: '${OPERATOR_KEY}', role: 'operator', accounts: [firstAccount] },
          { name: 'ops-admin', keySha256: createHash('sha256').update(KEYS.admin).digest('hex'), role: 'admin' },
          { name: 'tenant-viewer', key: KEYS.tenantViewer, role: 'viewer', accounts: [firstAccount] },
          { name: 'tenant-admin', key: KEYS.tenantAdmin, role: 'admin', accounts: [firstAccount] },
        ],
        jwt: { issuer: ISSUER, audience: AUDIENCE, jwksUri: issuer.jwksUri, jwksCooldownMs: 0 },
      },
    };
    writeFileSync(join(dir, 'crossdock.json'), JSON.stringify(config));
    gw = runCli(['serve', '--config', 'crossdock.json', '--port', '0', '--log-level', 'info'], {
      cwd: dir,
      env: { PORT: '', VIEWER_KEY: KEYS.viewer, OPERATOR_KEY: KEYS.operator },
    });
    url = /GraphQL at (\S+)/.exec(await gw.waitForLine(/GraphQL at /))![1]!;
    rss = sampleRss(gw.child.pid!);
  }, 60_000);

  afterAll(async () => {
    rss?.stop();
    for (const s of sockets) s.close();
    await gw?.stop();
    await issuer?.close();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('authentication', () => {
    it('says at start that authentication is required', async () => {
      expect(await gw.waitForLine(/^crossdock: authentication/)).toBe(
        'crossdock: authentication required (5 API key(s) + JWT)',
      );
    });

    it('refuses HTTP without valid credentials: 401, UNAUTHENTICATED, WWW-Authenticate', async () => {
      const query = { query: '{ accounts { name } }' };
      const expired = await issuer.sign({ role: 'admin' }, { expiresIn: -120 });
      const attempts: [string, Record<string, string>][] = [
        ['no credentials', {}],
        ['a wrong API key', bearer('x'.repeat(40))],
        ['another scheme', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }],
        ['an expired JWT', bearer(expired)],
        ['a JWT for another audience', bearer(await issuer.sign({ role: 'admin' }, { audience: 'someone-else' }))],
        ['a JWT of another issuer', bearer(await issuer.sign({ role: 'admin' }, { issuer: 'https://evil.example' }))],
        ['a JWT without role', bearer(await issuer.sign({ role: undefined }))],
        ['a JWT with an unknown role', bearer(await issuer.sign({ role: 'root' }))],
        [
          'an unsigned JWT (alg none)',
          bearer(
            `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
              JSON.stringify({ sub: 'x', role: 'admin', iss: ISSUER, aud: AUDIENCE }),
            ).toString('base64url')}.`,
          ),
        ],
        [
          'a JWT with its payload swapped',
          bearer(expired.replace(/\.[^.]+\./, `.${Buffer.from('{"role":"admin"}').toString('base64url')}.`)),
        ],
      ];
      for (const [what, headers] of attempts) {
        const answer = await post(url, query, headers);
        tally.record('auth', 'UNAUTHENTICATED', firstCode(answer));
        expect([what, answer.status, firstCode(answer)]).toEqual([what, 401, 'UNAUTHENTICATED']);
        expect(answer.headers.get('www-authenticate')).toBe('Bearer');
        expect(answer.body.data).toBeUndefined();
      }
      expect(JSON.stringify(gw.stderr())).not.toContain(KEYS.viewer);
    });

    it('accepts API keys (given as key or as SHA-256) and JWTs, with clock-skew tolerance', async () => {
      for (const headers of [
        as('viewer'),
        as('admin'),
        bearer(await issuer.sign({ role: 'viewer' })),
        bearer(await issuer.sign({ role: 'viewer' }, { expiresIn: -20 })), // expired 20 s ago: within 60 s
      ]) {
        const answer = await post<{ accounts: { name: string }[] }>(url, { query: '{ accounts { name } }' }, headers);
        expect(answer.status).toBe(200);
        expect(answer.body.data?.accounts.length).toBe(sandbox.description.providers.length);
      }
    });

    it('follows the issuer to a new signing key through its JWKS', async () => {
      const before = issuer.fetches;
      await issuer.rotate();
      const answer = await post(url, { query: '{ accounts { name } }' }, bearer(await issuer.sign({ role: 'viewer' })));
      expect(answer.status).toBe(200);
      expect(issuer.fetches).toBeGreaterThan(before);
    });

    it('takes websocket credentials in connection_init (or the upgrade header) and closes others with 4403', async () => {
      for (const payload of [{}, { authorization: 'Bearer nope-nope-nope-nope-nope' }, { authorization: KEYS.admin }]) {
        const denied = socket(toWsUrl(url));
        expect(await denied.init(payload)).toBe(false);
        const { code } = await denied.closed;
        tally.record('auth', '4403', String(code));
        expect(code).toBe(4403);
      }
      const withKey = socket(toWsUrl(url));
      expect(await withKey.init({ authorization: `Bearer ${KEYS.viewer}` })).toBe(true);
      const withJwt = socket(toWsUrl(url));
      expect(await withJwt.init({ authorization: `Bearer ${await issuer.sign({ role: 'viewer' })}` })).toBe(true);
      const withHeader = socket(toWsUrl(url), as('viewer'));
      expect(await withHeader.init()).toBe(true);
      const { results } = await withHeader.run('q', '{ accounts { name } }');
      expect(results[0]?.errors).toBeUndefined();
    });
  });

  describe('roles', () => {
    let jobId: string;
    beforeAll(async () => {
      const answer = await post<{ jobs: { edges: { node: { id: string } }[] } }>(
        url,
        { query: '{ jobs(first: 1) { edges { node { id } } } }' },
        as('admin'),
      );
      jobId = answer.body.data!.jobs.edges[0]!.node.id;
    });
    const cancel = 'mutation Cancel($id: ID!) { cancelJob(id: $id) { errors { code } } }';
    const remove = 'mutation Remove($id: ID!) { deleteJob(id: $id) { errors { code } } }';

    it('refuses mutations a role may not make with 403 FORBIDDEN, before they run', async () => {
      const refused: [string, Record<string, string>][] = [
        [cancel, as('viewer')],
        [remove, as('viewer')],
        [remove, as('operator')],
        [cancel, bearer(await issuer.sign({ role: 'viewer', sub: 'jwt-viewer' }))],
        [`mutation { createJob(input: { account: "x" }) { errors { code } } }`, as('viewer')],
      ];
      for (const [query, headers] of refused) {
        const answer = await post(url, { query, variables: { id: jobId } }, headers);
        tally.record('roles', 'FORBIDDEN', firstCode(answer));
        expect([answer.status, firstCode(answer)]).toEqual([403, 'FORBIDDEN']);
        expect(answer.body.data).toBeUndefined();
      }
    });

    it('lets operators cancel and admins delete (the provider then decides)', async () => {
      for (const [query, headers] of [
        [cancel, as('operator')],
        [remove, as('admin')],
      ] as const) {
        const answer = await post(url, { query, variables: { id: jobId } }, headers);
        expect(answer.status).toBe(200);
        expect(codesOf(answer.body)).not.toContain('FORBIDDEN');
      }
    });

    it('applies the same roles over websockets, refusing only that operation', async () => {
      const viewer = socket(toWsUrl(url));
      expect(await viewer.init({ authorization: `Bearer ${KEYS.viewer}` })).toBe(true);
      const { errors } = await viewer.run('m', cancel, { id: jobId });
      tally.record('roles', 'FORBIDDEN', String(errors?.[0]?.extensions?.code));
      expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const { results } = await viewer.run('q', '{ accounts { name } }');
      expect(results[0]?.data).toBeDefined();
    });

    it('writes an audit line with the principal for every mutation, refused or run', async () => {
      // The gateway is another process: its last lines may still be in the pipe when the answers are in.
      const refusedViewerLines = () =>
        auditLines().filter((l) => l.principal === 'ops-viewer' && l.outcome === 'refused').length;
      await waitUntil(() => refusedViewerLines() >= 4, 'four refused audit lines of ops-viewer').catch(() => undefined);
      const lines = auditLines();
      expect(
        lines.filter((l) => l.principal === 'ops-viewer' && l.outcome === 'refused').length,
      ).toBeGreaterThanOrEqual(4);
      expect(lines.some((l) => l.principal === 'jwt-viewer' && l.outcome === 'refused')).toBe(true);
      expect(
        lines.some(
          (l) => l.principal === 'ops-operator' && l.mutations.includes('cancelJob') && l.outcome !== 'refused',
        ),
      ).toBe(true);
      expect(lines.some((l) => l.principal === 'ops-admin' && l.mutations.includes('deleteJob'))).toBe(true);
    });
  });

  describe('tenancy (principals limited to one account)', () => {
    interface Caller {
      name: string;
      role: Role;
      headers: Record<string, string>;
    }
    type EventData = { jobEvents: { jobId: string; kind: string; job: { account: string } } };
    const KINDS: readonly TargetKind[] = ['allowed', 'forbidden', 'nonexistent'];
    const REFUSED: readonly TargetKind[] = ['forbidden', 'nonexistent'];
    let callers: Caller[];
    const targets = {} as Record<TargetKind, Target>;
    const providerCalls = (account: string) => sandbox.simulators.get(account)!.requests.length;
    const readyz = () => url.replace(/\/graphql$/, '/readyz');
    /** One caller's answers to the same operation aimed at each target. */
    const aimed = async (path: { query: string; variables(t: Target): Record<string, unknown> }, caller: Caller) => {
      const answers = {} as Record<TargetKind, HttpAnswer>;
      for (const kind of KINDS) {
        answers[kind] = await post(
          url,
          { query: path.query, variables: path.variables(targets[kind]) },
          caller.headers,
        );
      }
      return answers;
    };

    beforeAll(async () => {
      const [a, b] = sandbox.description.providers;
      const jobsOf = async (account: string) => {
        const answer = await post<{
          jobs: { edges: { node: { id: string; nativeId: string; allowedActions: string[] } }[] };
        }>(
          url,
          {
            query:
              'query ($a: String!) { jobs(first: 1000, filter: { accounts: [$a] }) { edges { node { id nativeId allowedActions } } } }',
            variables: { a: account },
          },
          as('admin'),
        );
        return answer.body.data!.jobs.edges.map((e) => e.node);
      };
      const own = await jobsOf(a!.account);
      // Preferably a job that cancel and delete refuse in its state, so that running the matrix changes nothing.
      const ownJob = own.find((j) => !j.allowedActions.some((x) => x === 'CANCEL' || x === 'DELETE')) ?? own[0]!;
      const otherJob = (await jobsOf(b!.account))[0]!;
      targets.allowed = { kind: 'allowed', account: a!.account, provider: a!.kind, ...ownJob };
      targets.forbidden = { kind: 'forbidden', account: b!.account, provider: b!.kind, ...otherJob };
      targets.nonexistent = {
        kind: 'nonexistent',
        account: 'no-such-account',
        provider: 'no-such-provider',
        nativeId: 'no-such-job',
        id: jobGlobalId('no-such-account', 'no-such-job'),
      };
      callers = [
        { name: 'tenant-viewer', role: 'viewer', headers: as('tenantViewer') },
        { name: 'ops-operator', role: 'operator', headers: as('operator') },
        { name: 'tenant-admin', role: 'admin', headers: as('tenantAdmin') },
        {
          name: 'jwt-tenant (viewer)',
          role: 'viewer',
          headers: bearer(await issuer.sign({ role: 'viewer', sub: 'jwt-tenant', accounts: [a!.account] })),
        },
      ];
    });

    it('lists only the principal’s accounts and jobs, counted in the store; /readyz names accounts only to callers', async () => {
      const { account } = targets.allowed;
      const count = 'query ($a: String!) { jobs(filter: { accounts: [$a] }) { totalCount } }';
      const own = await post<{ jobs: { totalCount: number } }>(
        url,
        { query: count, variables: { a: account } },
        as('admin'),
      );
      const ownCount = own.body.data!.jobs.totalCount;
      for (const caller of callers) {
        const accounts = await post<{ accounts: { name: string }[] }>(
          url,
          { query: '{ accounts { name } }' },
          caller.headers,
        );
        const listed = accounts.body.data!.accounts.map((x) => x.name);
        tally.record('tenancy: queries', 'own only', listed.join() === account ? 'own only' : 'leaked');
        expect([caller.name, listed]).toEqual([caller.name, [account]]);
        for (const first of [1000, 1]) {
          const all = await post<{ jobs: { totalCount: number; edges: { node: { account: string } }[] } }>(
            url,
            { query: `{ jobs(first: ${first}) { totalCount edges { node { account } } } }` },
            caller.headers,
          );
          const { totalCount, edges } = all.body.data!.jobs;
          const foreign = edges.filter((e) => e.node.account !== account).length;
          tally.record(
            'tenancy: queries',
            'own only',
            foreign === 0 && totalCount === ownCount ? 'own only' : 'leaked',
          );
          expect([caller.name, first, totalCount, foreign]).toEqual([caller.name, first, ownCount, 0]);
          expect(edges.length).toBe(Math.min(first, ownCount));
        }
      }

      const probe = await fetch(readyz());
      expect([probe.status, await probe.json()]).toEqual([200, { status: 'ready' }]);
      const tenant = (await (await fetch(readyz(), { headers: as('tenantViewer') })).json()) as { accounts: object };
      tally.record(
        'tenancy: queries',
        'own only',
        Object.keys(tenant.accounts).join() === account ? 'own only' : 'leaked',
      );
      expect(Object.keys(tenant.accounts)).toEqual([account]);
      const everyone = (await (await fetch(readyz(), { headers: as('viewer') })).json()) as { accounts: object };
      expect(Object.keys(everyone.accounts).length).toBe(sandbox.description.providers.length);
      const wrongKey = await fetch(readyz(), { headers: bearer('x'.repeat(40)) });
      tally.record('tenancy: queries', '401', String(wrongKey.status));
      expect(wrongKey.status).toBe(401);
    });

    it('answers every read path on another tenant’s job exactly as on a nonexistent one, without a provider call', async () => {
      const before = providerCalls(targets.forbidden.account);
      for (const path of READ_PATHS) {
        for (const caller of callers) {
          const answers = await aimed(path, caller);
          const what = [path.name, caller.name];
          expect([...what, answers.allowed.status, answers.allowed.body.errors]).toEqual([...what, 200, undefined]);
          expect([...what, path.shows(answers.allowed.body, targets.allowed)]).toEqual([...what, true]);
          for (const kind of REFUSED) {
            const got = refusalOf(answers[kind].body, path, targets[kind]);
            tally.record('tenancy: queries', path.refusal, got);
            expect([...what, kind, answers[kind].status, got]).toEqual([...what, kind, 200, path.refusal]);
          }
          expect(normalized(answers.forbidden, targets.forbidden)).toBe(
            normalized(answers.nonexistent, targets.nonexistent),
          );
        }
      }
      // Not even the live reads (maxAge: 0) of another tenant's account reached its provider.
      expect(providerCalls(targets.forbidden.account)).toBe(before);
    });

    it('never delivers another tenant’s events, and a filter naming its account, provider or job delivers nothing', async () => {
      const latest = async () =>
        (await post<{ latestJobEventCursor: string }>(url, { query: '{ latestJobEventCursor }' }, as('admin'))).body
          .data!.latestJobEventCursor;
      const adminMutation = async (query: string, variables: Record<string, unknown>) => {
        const answer = await post<Record<string, { job: { id: string }; errors: unknown[] }>>(
          url,
          { query, variables },
          as('admin'),
        );
        const payload = Object.values(answer.body.data ?? {})[0];
        expect(payload?.errors).toEqual([]);
        return payload!.job.id;
      };
      const create = (t: Target) =>
        adminMutation(
          'mutation ($input: CreateJobInput!) { createJob(input: $input) { job { id } errors { code message } } }',
          {
            input: {
              account: t.account,
              [adapterFor(registry, t.provider)!.mutations!.inputField]: SAMPLE_CREATE_INPUTS[t.provider]!(),
            },
          },
        );
      const cancel = (id: string) =>
        adminMutation('mutation ($id: ID!) { cancelJob(id: $id) { job { id } errors { code message } } }', { id });
      const events = (client: RawProtocolClient, id: string) =>
        client.messages
          .filter((m) => m.id === id && m.type === 'next')
          .map((m) => (m.payload as { data: EventData }).data.jobEvents);

      const clients = await Promise.all(
        [...callers.map((c) => c.headers), as('admin')].map(async (headers) => {
          const client = socket(toWsUrl(url));
          expect(await client.init(headers)).toBe(true);
          return client;
        }),
      );
      const unrestricted = clients.pop()!;
      // Phase 1 replays events already logged; phase 2 subscribes first and follows them live.
      const phases: [string, (subjects: Record<TargetKind, Target>) => Promise<void>][] = [
        ['replayed', async () => {}],
        [
          'live',
          async (subjects) => {
            // The other tenant's change first: had it been delivered, it would be there before the own one.
            await cancel(subjects.forbidden.id);
            await cancel(subjects.allowed.id);
          },
        ],
      ];
      const after = await latest();
      // The other tenant's job first, for the same reason.
      const otherNew = await create(targets.forbidden);
      const ownNew = await create(targets.allowed);
      const subjects: Record<TargetKind, Target> = {
        allowed: { ...targets.allowed, id: ownNew },
        forbidden: { ...targets.forbidden, id: otherNew },
        nonexistent: targets.nonexistent,
      };
      for (const [phase, act] of phases) {
        const cursor = phase === 'replayed' ? after : await latest();
        const subscribe = (client: RawProtocolClient, id: string, filter: Record<string, unknown> | null) =>
          client.send({
            id,
            type: 'subscribe',
            payload: { query: EVENTS_SUBSCRIPTION, variables: { filter, after: cursor } },
          });
        for (const client of clients) {
          subscribe(client, `${phase}/all`, null);
          for (const f of EVENT_FILTERS)
            for (const kind of KINDS) subscribe(client, `${phase}/${f.name}/${kind}`, f.filter(subjects[kind]));
        }
        // The same document and variables as the tenants' own: shared execution must not mix the results.
        subscribe(unrestricted, `${phase}/all`, null);
        await act(subjects);
        const own = (client: RawProtocolClient, id: string) => events(client, id).some((e) => e.jobId === ownNew);
        await waitUntil(
          () =>
            clients.every(
              (c) => own(c, `${phase}/all`) && EVENT_FILTERS.every((f) => own(c, `${phase}/${f.name}/allowed`)),
            ) &&
            events(unrestricted, `${phase}/all`).some((e) => e.jobId === otherNew) &&
            own(unrestricted, `${phase}/all`),
          `${phase} events of the own account`,
        );
        for (const [index, client] of clients.entries()) {
          const who = [phase, callers[index]!.name];
          const foreign = events(client, `${phase}/all`).filter((e) => e.job.account !== targets.allowed.account);
          tally.record('tenancy: subscriptions', 'own only', foreign.length === 0 ? 'own only' : 'leaked');
          expect([...who, foreign]).toEqual([...who, []]);
          for (const f of EVENT_FILTERS) {
            for (const kind of REFUSED) {
              const id = `${phase}/${f.name}/${kind}`;
              const errored = client.messages.some((m) => m.id === id && m.type === 'error');
              const got = errored ? 'error' : events(client, id).length === 0 ? 'nothing' : 'delivered';
              tally.record('tenancy: subscriptions', 'nothing', got);
              expect([...who, f.name, kind, got]).toEqual([...who, f.name, kind, 'nothing']);
            }
          }
        }
      }
    });

    it('refuses every mutation on another tenant’s account or job as on a nonexistent one (NOT_FOUND), roles first (FORBIDDEN)', async () => {
      const before = providerCalls(targets.forbidden.account);
      for (const path of MUTATION_PATHS) {
        for (const caller of callers) {
          const answers = await aimed(path, caller);
          const what = [path.name, caller.name];
          if (!roleAllows(caller.role, path.action)) {
            for (const kind of KINDS) {
              tally.record('tenancy: mutations', 'FORBIDDEN', firstCode(answers[kind]));
              expect([...what, kind, answers[kind].status, firstCode(answers[kind])]).toEqual([
                ...what,
                kind,
                403,
                'FORBIDDEN',
              ]);
            }
          } else {
            const allowed = payloadErrors(answers.allowed.body)?.map((e) => e.code);
            expect([...what, answers.allowed.status, allowed?.includes('NOT_FOUND')]).toEqual([...what, 200, false]);
            for (const kind of REFUSED) {
              const got = String(payloadErrors(answers[kind].body)?.[0]?.code);
              tally.record('tenancy: mutations', 'NOT_FOUND', got);
              expect([...what, kind, answers[kind].status, got]).toEqual([...what, kind, 200, 'NOT_FOUND']);
            }
          }
          expect(normalized(answers.forbidden, targets.forbidden)).toBe(
            normalized(answers.nonexistent, targets.nonexistent),
          );
        }
      }
      expect(providerCalls(targets.forbidden.account)).toBe(before);
    });
  });

  describe('request limits', () => {
    it('allows one jobs(first: 1000) and the full introspection query', async () => {
      for (const query of [`{ ${JOBS_PAGE} }`, getIntrospectionQuery()]) {
        const answer = await post(url, { query }, as('viewer'));
        expect([answer.status, answer.body.errors]).toEqual([200, undefined]);
      }
    });

    it('refuses operations over a limit with 400 QUERY_TOO_COMPLEX, the limit and the measured value', async () => {
      const deepOfType = `{ __schema { types { ${'ofType { '.repeat(200)}name${' }'.repeat(200)} } } }`;
      const directives = `{ ${Array.from({ length: 60 }, (_, i) => `d${i}: __typename @include(if: true)`).join(' ')} }`;
      const cases: [string, string, Record<string, unknown>][] = [
        ['eleven aliased jobs(first: 1000)', aliased(11), { limit: 'nodes', max: 10_000, measured: 11_000 }],
        ['a 200-deep ofType chain', deepOfType, { limit: 'depth', max: 15 }],
        ['40 aliases', aliased(40, 'accounts { name }'), { limit: 'aliases', max: 30, measured: 40 }],
        ['60 directives', directives, { limit: 'directives', max: 50, measured: 60 }],
        ['a node budget in variables', 'query ($n: Int) { jobs(first: $n) { totalCount } }', { limit: 'nodes' }],
      ];
      for (const [what, query, extensions] of cases) {
        const variables = what.includes('variables') ? { n: 20_000 } : undefined;
        const answer = await post(url, { query, variables }, as('viewer'));
        tally.record('limits', 'QUERY_TOO_COMPLEX', firstCode(answer));
        expect([what, answer.status, firstCode(answer)]).toEqual([what, 400, 'QUERY_TOO_COMPLEX']);
        expect(answer.body.errors![0]!.extensions).toMatchObject(extensions);
      }
      const depth = (await post(url, { query: deepOfType }, as('viewer'))).body.errors![0]!.extensions!;
      expect(depth.measured).toBeGreaterThan(200);
    });

    it('refuses the 10,000-alias attack fast, at the token limit, without growing the gateway', async () => {
      const attack = aliased(10_000);
      expect(attack.length).toBeGreaterThan(500_000);
      const rssBefore = rss.maxMb;
      const started = performance.now();
      const answer = await post(url, { query: attack }, as('viewer'));
      aliasAttackMs = performance.now() - started;
      tally.record('limits', 'QUERY_TOO_COMPLEX', firstCode(answer));
      expect([answer.status, firstCode(answer)]).toEqual([400, 'QUERY_TOO_COMPLEX']);
      expect(answer.body.errors![0]!.extensions).toMatchObject({ limit: 'tokens', max: 5_000 });
      // Ten more in parallel: the heap must not follow the document's size.
      const answers = await Promise.all(Array.from({ length: 10 }, () => post(url, { query: attack }, as('viewer'))));
      for (const a of answers) tally.record('limits', 'QUERY_TOO_COMPLEX', firstCode(a));
      expect(answers.map(firstCode)).toEqual(Array(10).fill('QUERY_TOO_COMPLEX'));
      expect(rss.maxMb - rssBefore).toBeLessThan(150);
    });

    it('refuses a body over 1 MiB with 413 PAYLOAD_TOO_LARGE and closes that connection cleanly', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const send = (body: string) =>
        new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
          const req = httpRequest(url, {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', ...as('viewer'), 'content-length': Buffer.byteLength(body) },
          });
          req.on('response', (res) => {
            let text = '';
            res.on('data', (d) => {
              text += String(d);
            });
            res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, text }));
          });
          req.on('error', reject);
          req.end(body);
        });
      try {
        const big = await send(JSON.stringify({ query: '{ accounts { name } }', padding: 'x'.repeat(1_200_000) }));
        const code = JSON.parse(big.text).errors[0].extensions.code as string;
        tally.record('limits', 'PAYLOAD_TOO_LARGE', code);
        expect([big.status, code, big.connection]).toEqual([413, 'PAYLOAD_TOO_LARGE', 'close']);
        const next = await send(JSON.stringify({ query: '{ accounts { name } }' }));
        expect(next.status).toBe(200);
      } finally {
        agent.destroy();
      }
    });

    it('applies the limits to websocket operations too, refusing only that operation', async () => {
      const client = socket(toWsUrl(url));
      expect(await client.init({ authorization: `Bearer ${KEYS.viewer}` })).toBe(true);
      const { errors } = await client.run('big', aliased(11));
      tally.record('limits', 'QUERY_TOO_COMPLEX', String(errors?.[0]?.extensions?.code));
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'nodes', measured: 11_000 });
      const tokens = await client.run('tokens', aliased(1_000));
      expect(tokens.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'tokens' });
      const fine = await client.run('ok', '{ accounts { name } }');
      expect(fine.results[0]?.data).toBeDefined();
    });
  });

  describe('browsers and origins', () => {
    it('answers preflights for allowed origins and refuses other origins on HTTP', async () => {
      const preflight = (origin: string) =>
        fetch(url, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization, content-type',
          },
        });
      const allowed = await preflight(APP_ORIGIN);
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');

      const evil = await preflight(EVIL_ORIGIN);
      tally.record('origins', '403', String(evil.status));
      expect(evil.status).toBe(403);
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();

      const cross = await post(url, { query: '{ accounts { name } }' }, { ...as('admin'), origin: EVIL_ORIGIN });
      tally.record('origins', 'FORBIDDEN', firstCode(cross));
      expect([cross.status, firstCode(cross)]).toEqual([403, 'FORBIDDEN']);
      const fromApp = await post(url, { query: '{ accounts { name } }' }, { ...as('viewer'), origin: APP_ORIGIN });
      expect(fromApp.status).toBe(200);
      expect(fromApp.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    });

    it('refuses websocket upgrades from other origins; no Origin or an allowed one passes', async () => {
      const evil = socket(toWsUrl(url), { origin: EVIL_ORIGIN });
      await evil.closed;
      tally.record('origins', '403', String(evil.refusedWith));
      expect(evil.refusedWith).toBe(403);
      const app = socket(toWsUrl(url), { origin: APP_ORIGIN });
      expect(await app.init({ authorization: `Bearer ${KEYS.viewer}` })).toBe(true);
    });
  });

  describe('hostile input', () => {
    it('answers an unknown persisted-query hash with PERSISTED_QUERY_NOT_FOUND, then registers it', async () => {
      const query = '{ accounts { name } }';
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      const extensions = { persistedQuery: { version: 1, sha256Hash } };
      const unknown = await post(url, { extensions }, as('viewer'));
      tally.record('hostile input', 'PERSISTED_QUERY_NOT_FOUND', firstCode(unknown));
      expect(firstCode(unknown)).toBe('PERSISTED_QUERY_NOT_FOUND');
      expect((await post(url, { query, extensions }, as('viewer'))).body.errors).toBeUndefined();
      const known = await post<{ accounts: unknown[] }>(url, { extensions }, as('viewer'));
      expect(known.body.data?.accounts.length).toBe(sandbox.description.providers.length);
    });

    it('errors one websocket operation with a syntax error and keeps the socket', async () => {
      const client = socket(toWsUrl(url));
      expect(await client.init({ authorization: `Bearer ${KEYS.viewer}` })).toBe(true);
      const deep = JSON.parse(`${'['.repeat(1_000)}${']'.repeat(1_000)}`) as unknown;
      const bad: [string, string, Record<string, unknown>?][] = [
        ['syntax', '{ jobs( '],
        ['unknown field', '{ nope }'],
        ['no operation', 'fragment F on Query { accounts { name } }'],
        [
          'wrong variables',
          'subscription ($f: JobEventFilter) { jobEvents(filter: $f) { cursor } }',
          { f: { x: deep } },
        ],
      ];
      for (const [id, query, variables] of bad) {
        const { errors } = await client.run(id, query, variables);
        tally.record('hostile input', 'BAD_USER_INPUT', String(errors?.[0]?.extensions?.code));
        expect(errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      }
      const { results } = await client.run('ok', '{ accounts { name } }');
      expect(results[0]?.data).toBeDefined();
      expect(client.socket.readyState).toBe(client.socket.OPEN);
    });

    it('cuts echoed input in error messages, and refuses oversized or control-character ids at the edge', async () => {
      const account = sandbox.description.providers[0]!.account;
      const cases: [string, string, Record<string, unknown> | undefined][] = [
        ['a 900 KB field name', `{ ${'a'.repeat(900_000)} }`, undefined],
        [
          'a 300 KB account',
          'query ($a: String!) { jobByNativeId(account: $a, nativeId: "x") { id } }',
          { a: 'x'.repeat(300_000) },
        ],
        [
          'a control character in a native id',
          'query ($a: String!, $n: String!) { jobByNativeId(account: $a, nativeId: $n) { id } }',
          { a: account, n: 'job\u0000x' },
        ],
        [
          'a 10,000-character native id',
          'query ($a: String!, $n: String!) { jobByNativeId(account: $a, nativeId: $n) { id } }',
          { a: account, n: 'j'.repeat(10_000) },
        ],
        ['a global id of 5,000 characters', 'query ($id: ID!) { job(id: $id) { id } }', { id: 'W'.repeat(5_000) }],
      ];
      for (const [what, query, variables] of cases) {
        const answer = await post(url, { query, variables }, as('viewer'));
        const error = answer.body.errors?.[0];
        tally.record('hostile input', 'BAD_USER_INPUT', error?.extensions?.code as string);
        expect([what, error?.extensions?.code]).toEqual([what, 'BAD_USER_INPUT']);
        expect(error!.message.length).toBeLessThan(1_200);
      }
    });

    it('answers a subscription sent over HTTP with 400 and the websocket URL', async () => {
      const answer = await post(url, { query: 'subscription { jobEvents { cursor } }' }, as('viewer'));
      tally.record('hostile input', 'BAD_USER_INPUT', firstCode(answer));
      expect([answer.status, firstCode(answer)]).toEqual([400, 'BAD_USER_INPUT']);
      expect(answer.body.errors![0]!.extensions!.websocketUrl).toBe(toWsUrl(url));
    });

    it('refuses a body that is not JSON with 400', async () => {
      const answer = await post(url, '{"query": "{ accounts { name } }"', as('viewer'));
      tally.record('hostile input', 'BAD_USER_INPUT', firstCode(answer));
      expect([answer.status, firstCode(answer)]).toEqual([400, 'BAD_USER_INPUT']);
    });
  });

  describe('rate and websocket caps (an open gateway on loopback with low limits)', () => {
    let open: TestGateway;
    beforeAll(async () => {
      open = await startTestGatewayOn(sandbox, {
        configure: (config) => ({
          ...config,
          limits: {
            requestsPerMinute: 40,
            maxResponseBytes: 2_000,
            websocket: { maxConnections: 4, maxConnectionsPerPrincipal: 2, maxSubscriptionsPerConnection: 2 },
          },
        }),
      });
    });
    afterAll(async () => {
      for (const s of sockets.splice(0)) s.close();
      await open?.dispose();
    });

    it('caps connections per principal (4429) and in total (503), and operations per connection', async () => {
      const first = socket(open.wsUrl);
      const second = socket(open.wsUrl);
      expect(await first.init()).toBe(true);
      expect(await second.init()).toBe(true);
      const third = socket(open.wsUrl);
      expect(await third.init()).toBe(false);
      const { code } = await third.closed;
      tally.record('limits', '4429', String(code));
      expect(code).toBe(4429);

      // Two sockets that have not said who they are count toward the total (4) too.
      const idle = [socket(open.wsUrl), socket(open.wsUrl)];
      await Promise.all(idle.map((s) => s.opened));
      const fifth = socket(open.wsUrl);
      await fifth.closed;
      tally.record('limits', '503', String(fifth.refusedWith));
      expect(fifth.refusedWith).toBe(503);
      for (const s of idle) s.close();

      const subscription = 'subscription { jobEvents { cursor } }';
      first.send({ id: 's1', type: 'subscribe', payload: { query: subscription } });
      first.send({ id: 's2', type: 'subscribe', payload: { query: subscription } });
      const { errors } = await first.run('s3', subscription);
      tally.record('limits', 'TOO_MANY_SUBSCRIPTIONS', String(errors?.[0]?.extensions?.code));
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', max: 2 });
      expect(first.socket.readyState).toBe(first.socket.OPEN);
      expect(first.messages.some((m) => m.id === 's1' || m.id === 's2')).toBe(false); // still running, not ended
    });

    it('refuses a response over the size limit with PAYLOAD_TOO_LARGE', async () => {
      const answer = await post(open.url, {
        query: '{ jobs(first: 100) { edges { node { id name state providerState } } } }',
      });
      tally.record('limits', 'PAYLOAD_TOO_LARGE', firstCode(answer));
      expect([answer.status, firstCode(answer)]).toEqual([400, 'PAYLOAD_TOO_LARGE']);
      expect(answer.body.errors![0]!.extensions!.measured).toBeGreaterThan(2_000);
    });

    it('lets loopback pages in and keeps other origins out, DNS-rebound ones too', async () => {
      const local = await post(open.url, { query: '{ accounts { name } }' }, { origin: 'http://localhost:5173' });
      expect(local.status).toBe(200);
      expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      const port = new URL(open.url).port;
      const rebound: Record<string, string>[] = [
        { origin: EVIL_ORIGIN },
        { origin: `http://evil.example:${port}`, host: `evil.example:${port}` },
      ];
      for (const headers of rebound) {
        const ws = socket(open.wsUrl, headers);
        await ws.closed;
        tally.record('origins', '403', String(ws.refusedWith));
        expect(ws.refusedWith).toBe(403);
      }
    });

    it('limits requests per principal per minute: 429 RATE_LIMITED with Retry-After', async () => {
      let answer: HttpAnswer<unknown> | undefined;
      for (let i = 0; i < 60 && answer?.status !== 429; i++) answer = await post(open.url, { query: '{ __typename }' });
      tally.record('limits', 'RATE_LIMITED', firstCode(answer!));
      expect([answer!.status, firstCode(answer!)]).toEqual([429, 'RATE_LIMITED']);
      expect(Number(answer!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(answer!.body.errors![0]!.extensions).toMatchObject({ limit: 'requestsPerMinute', max: 40 });
    });
  });

  it('kept the gateway process under 500 MB RSS through every attack', () => {
    expect(rss.samples).toBeGreaterThan(10);
    expect(rss.maxMb).toBeLessThan(500);
  });

  describe('start-up faults (the CLI)', () => {
    const procs: CliProcess[] = [];
    const cli = (args: string[], cwd: string) => {
      const p = runCli(args, { cwd, env: { PORT: '' } });
      procs.push(p);
      return p;
    };
    const freePort = () =>
      new Promise<number>((resolve) => {
        const probe = createNetServer().listen(0, '127.0.0.1', () => {
          const { port } = probe.address() as { port: number };
          probe.close(() => resolve(port));
        });
      });
    afterAll(async () => {
      await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    });

    it('leaves a running instance alone: port in use (exit 1), store in use (exit 1), both in one line', async () => {
      const cwd = join(dir, 'busy');
      mkdirSync(cwd);
      const port = await freePort();
      const running = cli(['serve', '--port', String(port), '--step-ms', '0'], cwd);
      const runningUrl = /GraphQL at (\S+)/.exec(await running.waitForLine(/GraphQL at /))![1]!;
      expect(await running.waitForLine(/^crossdock: no authentication/)).toContain(
        'open to every local user on loopback',
      );
      const store = join(cwd, '.crossdock', 'sandbox.sqlite');
      const before = statSync(store);

      const samePort = cli(['serve', '--port', String(port)], cwd);
      expect(tally.record('start-up faults', '1', String(await samePort.exited))).toBe('1');
      expect(oneLine(samePort.stderr())).toEqual([
        expect.stringContaining(`port ${port} on 127.0.0.1 is already in use`),
      ]);

      const sameStore = cli(['serve', '--port', '0'], cwd);
      expect(tally.record('start-up faults', '1', String(await sameStore.exited))).toBe('1');
      expect(oneLine(sameStore.stderr())).toEqual([
        expect.stringContaining(`is in use by another running crossdock (pid ${running.child.pid})`),
      ]);

      expect(statSync(store).ino).toBe(before.ino);
      const answer = await post<{ accounts: unknown[] }>(runningUrl, { query: '{ accounts { name } }' });
      expect(answer.body.data?.accounts.length).toBeGreaterThan(0);
      expect(await running.stop()).toBe(0);
    }, 120_000);

    it('refuses a corrupt or foreign store, a directory as config, and an open non-loopback host (exit 2)', async () => {
      const cwd = join(dir, 'faults');
      mkdirSync(cwd);
      const base = { ...sandbox.description, polling: { enabled: false } };
      writeFileSync(join(cwd, 'corrupt.sqlite'), 'this is not a database, it is a shopping list\n'.repeat(100));
      writeFileSync(
        join(cwd, 'corrupt.json'),
        JSON.stringify({ ...base, store: { kind: 'sqlite', path: 'corrupt.sqlite' } }),
      );
      await new Promise<void>((resolve, reject) => {
        const db = new sqlite3.Database(join(cwd, 'foreign.sqlite'));
        db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)', (error) =>
          db.close(() => (error ? reject(error) : resolve())),
        );
      });
      writeFileSync(
        join(cwd, 'foreign.json'),
        JSON.stringify({ ...base, store: { kind: 'sqlite', path: 'foreign.sqlite' } }),
      );
      mkdirSync(join(cwd, 'folder.yaml'));
      writeFileSync(
        join(cwd, 'open.json'),
        JSON.stringify({ ...base, store: { kind: 'memory' }, server: { host: '0.0.0.0' } }),
      );

      const cases: [string[], RegExp][] = [
        [
          ['--config', 'corrupt.json'],
          /corrupt\.sqlite is not a crossdock store \(not a SQLite database, or damaged\)/,
        ],
        [['--config', 'foreign.json'], /foreign\.sqlite is not a crossdock store \(it belongs to another program\)/],
        [['--config', 'folder.yaml'], /folder\.yaml: is a directory, not a config file/],
        [['--config', 'open.json'], /server\.host 0\.0\.0\.0 is not loopback and the config has no auth section/],
        [['--host', '0.0.0.0'], /server\.host 0\.0\.0\.0 is not loopback/],
      ];
      // In parallel: each is a fresh Node process, and the machine may be busy.
      const outcomes = await Promise.all(
        cases.map(async ([args, message]) => {
          const p = cli(['serve', '--port', '0', ...args], cwd);
          return { code: await p.exited, stderr: p.stderr(), message };
        }),
      );
      for (const { code, stderr, message } of outcomes) {
        expect(tally.record('start-up faults', '2', String(code))).toBe('2');
        const lines = oneLine(stderr).filter((l) => !l.startsWith('crossdock: invalid config:'));
        expect(lines.length).toBe(1);
        expect(lines[0]).toMatch(message);
      }
      // The store files are as they were: nothing was created beside them, nothing deleted.
      expect(statSync(join(cwd, 'corrupt.sqlite')).size).toBe(4_600);
    }, 120_000);

    it('takes over a lock whose process is gone; auth mode none may serve any host', async () => {
      const storePath = join(dir, 'stale.sqlite');
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
      try {
        writeFileSync(`${storePath}.lock`, `${holder.pid}\n`);
        expect(() => lockStore(storePath)).toThrow(`in use by another running crossdock (pid ${holder.pid})`);
      } finally {
        holder.kill('SIGKILL');
        await once(holder, 'exit');
      }
      const lock = lockStore(storePath); // its holder is gone: taken over at once
      expect(readFileSync(`${storePath}.lock`, 'utf8').trim()).toBe(String(process.pid));
      lock.release();
      expect(existsSync(`${storePath}.lock`)).toBe(false);
      expect(openHostProblem({ mode: 'none' }, '0.0.0.0')).toBeUndefined();
      expect(openHostProblem(undefined, '::1')).toBeUndefined();
    });
  });

  afterAll(() => {
    const { tried, refused } = tally.totals;
    console.log(
      `security suite: ${refused} of ${tried} attacks refused with the expected code\n${tally.table()}\n` +
        `  gateway RSS: at most ${rss?.maxMb.toFixed(0)} MB (${rss?.samples} samples, limit 500 MB); ` +
        `the 10,000-alias attack (${(aliased(10_000).length / 1024).toFixed(0)} KB) was refused in ${aliasAttackMs.toFixed(0)} ms`,
    );
  });
});
