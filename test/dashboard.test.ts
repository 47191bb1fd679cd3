/**
 * The dashboard's and the explorer's files over real HTTP (the browser suite drives the pages themselves):
 * every file a page links to is served by the gateway, nothing outside the list is, the switches work, and
 * the pages' own logic (schema words, which operations go over the websocket) matches the schema.
 */
import { request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobState } from '../src/generated/enums.js';
import { buildSchema } from '../src/graphql/schema.js';
import { registry } from '../src/registry.js';
import { startTestGateway, type TestGateway } from './helpers/servers.js';

/** A page's own ES module (they use browser globals only inside functions, so Node can load them). */
const publicModule = async (name: string) => import(new URL(`../src/dashboard/public/${name}`, import.meta.url).href);

/** A GET with the path exactly as given (fetch would normalize `..` away) and no decoding of the body. */
function rawGet(
  origin: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; encoding?: string; body: Buffer }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          encoding: res.headers['content-encoding'],
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** The local files a page loads: every src= and href= that is not a link to another page. */
function linkedFiles(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
}

const html = { accept: 'text/html,application/xhtml+xml' };

async function startWith(server: Record<string, unknown> = {}) {
  return startTestGateway({
    seedJobs: 1,
    configure: (config) => ({ ...config, server: { ...(config.server as object), ...server } }),
  });
}

describe('dashboard and explorer files', () => {
  let t: TestGateway;
  let origin: string;
  beforeAll(async () => {
    t = await startWith();
    origin = new URL(t.url).origin;
  });
  afterAll(() => t?.dispose());

  it('redirects /dashboard to /dashboard/ and serves every file the page links to, from the gateway', async () => {
    const redirect = await fetch(`${origin}/dashboard?x=1`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/dashboard/?x=1');

    const page = await fetch(`${origin}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const files = linkedFiles(await page.text());
    expect(files).toEqual(expect.arrayContaining(['app.js', 'vendor/chart.umd.min.js', 'vendor/graphql-ws.min.js']));
    for (const file of files) {
      expect(file, 'relative, so it comes from the gateway').not.toMatch(/^[a-z]+:|^\/\//);
      const res = await fetch(new URL(file, `${origin}/dashboard/`));
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type'), file).toMatch(/^(text\/(javascript|css)|image\/svg\+xml)/);
    }
  });

  it('serves the explorer to browsers at /graphql (also with ?query=) and JSON to API clients', async () => {
    for (const path of ['/graphql', '/graphql?query=%7B__typename%7D']) {
      const page = await fetch(`${origin}${path}`, { headers: html });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const files = linkedFiles(await page.text());
      expect(files).toContain('dashboard/vendor/graphiql.js');
      for (const file of files) expect((await fetch(new URL(file, `${origin}/graphql`))).status, file).toBe(200);
    }
    for (const worker of ['editor', 'json', 'graphql']) {
      expect((await fetch(`${origin}/dashboard/vendor/${worker}.worker.js`)).status).toBe(200);
    }
    const api = await t.query<{ __typename: string }>('{ __typename }');
    expect(api.data).toEqual({ __typename: 'Query' });
  });

  it('compresses for clients that accept gzip, and answers 304 to a matching ETag', async () => {
    const url = `${origin}/dashboard/vendor/chart.umd.min.js`;
    const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    const body = Buffer.from(await plain.arrayBuffer());
    const zipped = await rawGet(origin, '/dashboard/vendor/chart.umd.min.js', { 'accept-encoding': 'gzip' });
    expect(zipped.encoding).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(body.length);
    expect(gunzipSync(zipped.body).equals(body)).toBe(true);

    const etag = plain.headers.get('etag')!;
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('serves nothing outside its list: no traversal, no other methods', async () => {
    for (const path of [
      '/dashboard/../package.json',
      '/dashboard/%2e%2e/package.json',
      '/dashboard/..%2fpackage.json',
      '/dashboard/vendor/../../package.json',
      '/dashboard/public/app.js',
      '/dashboard/index.ts',
      '/dashboard/explorer.html',
      '/dashboard/vendor/chart.umd.min.js.map',
    ]) {
      const res = await rawGet(origin, path);
      expect(res.status, path).toBe(404);
      expect(res.body.toString(), path).not.toContain('"name": "crossdock"');
    }
    const post = await fetch(`${origin}/dashboard/app.js`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('switches', () => {
  it('server.explorer: false serves no explorer (and no CDN landing page), the dashboard still', async () => {
    const t = await startWith({ explorer: false });
    try {
      const origin = new URL(t.url).origin;
      const page = await fetch(`${origin}/graphql`, { headers: html });
      expect(page.status).toBe(404);
      expect(await page.text()).toContain('server.explorer');
      expect((await fetch(`${origin}/dashboard/vendor/graphiql.js`)).status).toBe(404);
      expect((await fetch(`${origin}/dashboard/`)).status).toBe(200);
      expect((await t.query('{ __typename }')).data).toEqual({ __typename: 'Query' });
    } finally {
      await t.dispose();
    }
  });

  it('server.dashboard: false serves no dashboard, the explorer still', async () => {
    const t = await startWith({ dashboard: false });
    try {
      const origin = new URL(t.url).origin;
      expect((await fetch(`${origin}/dashboard`, { redirect: 'manual' })).status).toBe(404);
      expect((await fetch(`${origin}/dashboard/`)).status).toBe(404);
      expect((await fetch(`${origin}/dashboard/app.js`)).status).toBe(404);
      const explorer = await fetch(`${origin}/graphql`, { headers: html });
      expect(explorer.status).toBe(200);
      for (const file of linkedFiles(await explorer.text()))
        expect((await fetch(new URL(file, `${origin}/graphql`))).status, file).toBe(200);
    } finally {
      await t.dispose();
    }
  });
});

describe('the pages agree with the schema', () => {
  it("lists the JobState enum's values in order", async () => {
    const { JOB_STATES, OUTCOMES } = await publicModule('model.js');
    expect(JOB_STATES).toEqual(Object.values(JobState));
    for (const outcome of OUTCOMES) expect(JOB_STATES).toContain(outcome);
  });

  it('asks providerStats with a query the schema accepts', async () => {
    const { PROVIDER_STATS } = await publicModule('chart-sources.js');
    const schema = buildSchema(registry);
    expect(validate(schema, parse(PROVIDER_STATS))).toEqual([]);
  });

  it('sends subscriptions, and only them, over the websocket', async () => {
    const { operationType } = await publicModule('client.js');
    const cases: [string, string | undefined, string][] = [
      ['{ jobs { totalCount } }', undefined, 'query'],
      ['subscription { jobEvents { cursor } }', undefined, 'subscription'],
      ['# subscription in a comment\nquery Q { subscription: jobs { totalCount } }', undefined, 'query'],
      ['query A { a } subscription B { jobEvents { cursor } }', 'B', 'subscription'],
      ['query A { a } subscription B { jobEvents { cursor } }', 'A', 'query'],
      [
        'fragment F on Job { id } subscription S($f: JobEventFilter = { kinds: [CREATED] }) { jobEvents(filter: $f) { ...F } }',
        undefined,
        'subscription',
      ],
      ['mutation M($s: String = "subscription {") { cancelJob(id: $s) { job { id } } }', undefined, 'mutation'],
    ];
    for (const [document, name, type] of cases) expect(operationType(document, name), document).toBe(type);
  });
});
