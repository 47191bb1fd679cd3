/**
 * /metrics as Prometheus scrapes it, from a gateway on the sandbox: after a query, poll rounds and a
 * subscription, every crossdock family is there with its labels and with figures that match what the gateway
 * reports over GraphQL; no label carries a job id; the endpoint is protected like the API when auth is
 * configured, and `metrics.port` serves it without credentials on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from './helpers/security.js';
import { startTestGateway, type TestGateway, waitUntil } from './helpers/servers.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (what a scraper reads; comments skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

const origin = (t: TestGateway) => new URL(t.url).origin;

async function scrape(t: TestGateway, headers: Record<string, string> = {}) {
  const res = await fetch(`${origin(t)}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

const labelNames = (samples: Sample[], name: string) => [
  ...new Set(samples.filter((s) => s.name === name).map((s) => Object.keys(s.labels).sort().join(','))),
];

const value = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('/metrics on the open sandbox gateway', () => {
  let t: TestGateway;
  let accounts: string[];

  beforeAll(async () => {
    t = await startTestGateway({ seedJobs: 4 });
    accounts = [...t.gateway.accounts.keys()];
  });
  afterAll(() => t?.dispose());

  it('has every family, with its labels and the gateway figures, after a query, poll rounds and a subscription', async () => {
    // Poll rounds: the baseline, then rounds that see the simulators move (events).
    for (const account of accounts) await t.gateway.pollNow(account);
    for (let round = 0; round < 20; round++) {
      for (const simulator of t.sandbox.simulators.values()) simulator.step();
      const outcomes = await Promise.all(accounts.map((a) => t.gateway.pollNow(a)));
      if (outcomes.some((o) => o.events.length > 0)) break;
    }
    const { data, errors } = await t.query<{
      jobs: { edges: { node: { account: string; state: string; nativeId: string } }[] };
    }>('query Everything { jobs(first: 1000) { edges { node { account state nativeId } } } }');
    expect(errors).toBeUndefined();
    const jobs = data!.jobs.edges.map((e) => e.node);
    const refused = await t.query('query Broken { jobs(first: 1) { edges { node { id }'); // a syntax error
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const ws = t.connect();
    const subscription = ws.subscribe('subscription Live { jobEvents { cursor } }');
    await waitUntil(() => t.gateway.events.subscriberCount === 1, 'the subscription is live');

    const { text, samples } = await scrape(t);

    const byAccountProvider = 'account,operation,outcome,provider';
    expect(labelNames(samples, 'crossdock_provider_requests_total')).toEqual([byAccountProvider]);
    expect(labelNames(samples, 'crossdock_provider_request_duration_seconds_count')).toEqual([byAccountProvider]);
    expect(labelNames(samples, 'crossdock_provider_request_duration_seconds_bucket')).toEqual([
      'account,le,operation,outcome,provider',
    ]);
    for (const account of accounts) {
      const provider = t.gateway.accounts.get(account)!.kind;
      const listed = { account, provider, operation: 'listJobs', outcome: 'ok' };
      expect(value(samples, 'crossdock_provider_requests_total', listed)).toBeGreaterThanOrEqual(2);
      expect(value(samples, 'crossdock_provider_request_duration_seconds_count', listed)).toBe(
        value(samples, 'crossdock_provider_requests_total', listed),
      );
      expect(value(samples, 'crossdock_poll_round_duration_seconds_count', { account })).toBeGreaterThanOrEqual(2);
      const lag = value(samples, 'crossdock_poll_lag_seconds', { account });
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(60);
      // crossdock_jobs agrees with the jobs query, state by state (zeros included).
      for (const state of ['CREATING', 'SHIPPING', 'RECEIVED', 'TRANSFERRING', 'PACKAGING', 'COMPLETED', 'FAILED']) {
        const expected = jobs.filter((j) => j.account === account && j.state === state).length;
        expect(value(samples, 'crossdock_jobs', { account, state }), `${account} ${state}`).toBe(expected);
      }
    }
    expect(labelNames(samples, 'crossdock_poll_round_duration_seconds_bucket')).toEqual(['account,le']);
    expect(labelNames(samples, 'crossdock_poll_lag_seconds')).toEqual(['account']);
    expect(labelNames(samples, 'crossdock_jobs')).toEqual(['account,state']);
    expect(labelNames(samples, 'crossdock_events_published_total')).toEqual(['account,kind']);
    const published = samples
      .filter((s) => s.name === 'crossdock_events_published_total')
      .reduce((n, s) => n + s.value, 0);
    expect(published).toBe((await t.gateway.store.bounds()).latest);
    expect(value(samples, 'crossdock_subscribers', {})).toBe(1);

    expect(labelNames(samples, 'crossdock_graphql_requests_total')).toEqual(['operation_type,outcome']);
    expect(labelNames(samples, 'crossdock_graphql_request_duration_seconds_bucket')).toEqual([
      'le,operation_type,outcome',
    ]);
    expect(value(samples, 'crossdock_graphql_requests_total', { operation_type: 'query', outcome: 'ok' })).toBe(1);
    expect(
      value(samples, 'crossdock_graphql_requests_total', { operation_type: 'unknown', outcome: 'BAD_USER_INPUT' }),
    ).toBe(1);
    expect(value(samples, 'crossdock_graphql_requests_total', { operation_type: 'subscription', outcome: 'ok' })).toBe(
      1,
    );

    // The process's default metrics.
    expect(value(samples, 'process_cpu_user_seconds_total', {})).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);

    // No job id, and no operation name a client chose, in any label.
    const labelValues = new Set(samples.flatMap((s) => Object.values(s.labels)));
    for (const job of jobs) expect(text).not.toContain(job.nativeId);
    for (const name of ['Everything', 'Broken', 'Live']) expect(labelValues.has(name)).toBe(false);

    subscription.unsubscribe();
    await waitUntil(async () => value((await scrape(t)).samples, 'crossdock_subscribers', {}) === 0, 'unsubscribed');
  });

  it('answers GET only at /metrics and nothing else beside it', async () => {
    const post = await fetch(`${origin(t)}/metrics`, { method: 'POST' });
    expect(post.status).toBe(404);
  });
});

describe('/metrics behind authentication', () => {
  const KEY = 'metrics-viewer-key-0123456789';
  const TENANT_KEY = 'one-tenant-viewer-key-0123456789';
  let t: TestGateway;

  beforeAll(async () => {
    t = await startTestGateway({
      seedJobs: 1,
      configure: (config) => ({
        ...config,
        auth: {
          apiKeys: [
            { name: 'prometheus', key: KEY, role: 'viewer' },
            { name: 'tenant', key: TENANT_KEY, role: 'admin', accounts: ['sandbox-iot-hub'] },
          ],
        },
        metrics: { port: 0 },
      }),
    });
  });
  afterAll(() => t?.dispose());

  it('wants credentials on the gateway port, of a principal that may see every account', async () => {
    const anonymous = await fetch(`${origin(t)}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(
      ((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
    ).toBe('UNAUTHENTICATED');
    const wrong = await fetch(`${origin(t)}/metrics`, { headers: bearer('not-the-key-at-all-0123456789') });
    expect(wrong.status).toBe(401);
    // The figures name every account: a caller limited to some may not read them, whatever its role.
    const tenant = await fetch(`${origin(t)}/metrics`, { headers: bearer(TENANT_KEY) });
    expect(tenant.status).toBe(403);
    expect(((await tenant.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'FORBIDDEN',
    );
    const { samples } = await scrape(t, bearer(KEY));
    expect(samples.some((s) => s.name === 'crossdock_subscribers')).toBe(true);
  });

  it('serves it without credentials on metrics.port, on 127.0.0.1 only', async () => {
    const url = t.server.metricsUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const samples = parseExposition(await res.text());
    expect(labelNames(samples, 'crossdock_jobs')).toEqual(['account,state']);
    expect((await fetch(url.replace('/metrics', '/graphql'))).status).toBe(404);
  });
});

describe('/metrics switched off', () => {
  it('is not served with metrics.enabled: false', async () => {
    const t = await startTestGateway({
      seedJobs: 1,
      configure: (config) => ({ ...config, metrics: { enabled: false } }),
    });
    try {
      expect((await fetch(`${origin(t)}/metrics`)).status).toBe(404);
    } finally {
      await t.dispose();
    }
  });
});
