/**
 * The dashboard and the explorer in a real browser (Debian's chromium through playwright-core) against the
 * sandbox gateway on 127.0.0.1: the dashboard shows every provider's jobs, follows a state change live
 * without a reload, opens a job's detail and is photographed for the README; the explorer runs a query and
 * a subscription with the network cut to the gateway's origin. Every request the browser made is checked.
 *
 * UPDATE_SCREENSHOT=1 writes the screenshot to docs/dashboard.png (the README's); otherwise to the temp dir.
 */
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal } from '../src/sdk/model.js';
import { browserUnavailable, launchBrowser, type TestBrowser } from './helpers/browser.js';
import { startTestGateway, type TestGateway, waitUntil } from './helpers/servers.js';

const unavailable = browserUnavailable();
if (unavailable) console.warn(unavailable);

const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? fileURLToPath(new URL('../docs/dashboard.png', import.meta.url))
  : join(tmpdir(), 'crossdock-dashboard.png');
/** Rounds of stepping every simulator and polling every account before giving up on a state change. */
const MAX_ROUNDS = 40;

interface StatsGroup {
  providerName: string;
  finished: number;
  timeInState: { state: string; count: number }[];
  outcomes: { state: string; rate: number | null }[];
  stuck: { state: string }[];
}

interface ChartLike {
  data: { labels: (string | string[])[]; datasets: { state: string; data: number[] }[] };
}

interface JobRow {
  id: string;
  provider: string;
  nativeId: string;
  state: string | null;
  drives: unknown[];
}

describe.skipIf(unavailable !== undefined)('dashboard and explorer in chromium', () => {
  let t: TestGateway;
  let browser: TestBrowser;
  let origin: string;
  let accounts: string[];

  /** The jobs as the gateway reports them over GraphQL. */
  const gatewayJobs = async () => {
    const result = await t.query<{ jobs: { totalCount: number; edges: { node: JobRow }[] } }>(
      '{ jobs(first: 1000) { totalCount edges { node { id provider nativeId state drives { driveId } } } } }',
    );
    expect(result.errors).toBeUndefined();
    return result.data!.jobs.edges.map((e) => e.node);
  };

  /** One lifecycle step of every simulator, then a poll round of every account: what the gateway logs goes live. */
  const stepAndPoll = async () => {
    for (const simulator of t.sandbox.simulators.values()) simulator.step();
    for (const account of accounts) await t.gateway.pollNow(account);
  };

  /** What a chart on the page draws: its labels (providers), and per dataset its state and values. */
  const chartData = (page: Page, id: string) =>
    page.locator(`[data-chart="${id}"] canvas`).evaluate((canvas) => {
      const { Chart } = globalThis as unknown as { Chart: { getChart(c: unknown): ChartLike | undefined } };
      const chart = Chart.getChart(canvas);
      return (
        chart && {
          labels: chart.data.labels,
          datasets: chart.data.datasets.map((d) => [d.state, d.data] as [string, number[]]),
        }
      );
    });

  /**
   * The provider comparison charts show what providerStats says: which providers measured a time in which
   * state, how their jobs ended (percent), how many of their jobs are stuck in which state. Polled: the page
   * asks for the stats again every few seconds.
   */
  const expectStatsCharts = async (page: Page) => {
    const expected = async () => {
      const { data } = await t.query<{ providerStats: { groups: StatsGroup[] } }>(
        `{ providerStats { groups { providerName finished timeInState { state count } outcomes { state rate }
           stuck(first: 200) { state } } } }`,
      );
      const groups = data!.providerStats.groups;
      const perState = (states: string[], value: (g: StatsGroup, state: string) => number) =>
        states
          .map((state) => [state, groups.map((g) => value(g, state))] as const)
          .filter(([, values]) => values.some(Boolean));
      const waiting = ['CREATING', 'SHIPPING', 'RECEIVED', 'TRANSFERRING', 'PACKAGING'];
      return {
        measured: perState(waiting, (g, state) => (g.timeInState.find((s) => s.state === state)!.count > 0 ? 1 : 0)),
        outcomes: perState(
          ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'],
          (g, state) => Math.round(g.outcomes.find((o) => o.state === state)!.rate! * 1000) / 10,
        ),
        stuck: perState(waiting, (g, state) => g.stuck.filter((s) => s.state === state).length),
        labels: groups.map((g) => g.providerName),
        finished: groups.every((g) => g.finished > 0),
      };
    };
    const shown = async () => {
      const [time, outcomes, stuck] = await Promise.all(
        ['time-in-state', 'outcome-rates', 'stuck'].map((id) => chartData(page, id)),
      );
      return {
        measured: time?.datasets.map(([state, values]) => [state, values.map((v) => (v > 0 ? 1 : 0))]),
        outcomes: outcomes?.datasets,
        stuck: stuck?.datasets,
        labels: time?.labels.map((l) => [l].flat().join(' ')),
        finished: true,
      };
    };
    const truth = await expected();
    expect(truth.finished, 'every provider has jobs that ended under observation').toBe(true);
    expect(truth.measured.length).toBeGreaterThan(0);
    // Both sides again each time: a job gets stuck by time alone, so the truth may move on while the page catches up.
    await expect
      .poll(
        async () => {
          const [onPage, truth] = await Promise.all([shown(), expected()]);
          return isDeepStrictEqual(onPage, truth) ? 'the same' : { onPage, truth };
        },
        { timeout: 30_000 },
      )
      .toBe('the same');
  };

  const expectOnlyGatewayRequests = () => {
    expect(browser.refused).toEqual([]);
    const foreign = browser.requests.filter((r) => new URL(r.url).origin !== origin).map((r) => r.url);
    expect(foreign).toEqual([]);
    for (const socket of browser.websockets) expect(socket.url).toBe(`${origin.replace(/^http/, 'ws')}/graphql`);
  };

  beforeAll(async () => {
    t = await startTestGateway({ autopilot: true, seedJobs: 6 });
    accounts = [...t.gateway.accounts.keys()];
    for (const account of accounts) await t.gateway.pollNow(account); // the baseline: events flow from here on
    origin = new URL(t.url).origin;
    browser = await launchBrowser(origin);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
  });

  describe('the dashboard', () => {
    let page: Page;
    /** The job whose change the live test watched. */
    let watched: string;
    beforeAll(async () => {
      page = await browser.newPage();
      await page.goto(`${origin}/dashboard`);
    });

    it('shows every job of all three providers, as the gateway reports them', async () => {
      const jobs = await gatewayJobs();
      const rows = page.locator('#jobs tr[data-job-id]');
      await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(jobs.length);
      const shown = await rows.evaluateAll((trs) =>
        trs.map((tr) => ({ id: tr.dataset.jobId, state: tr.dataset.state, provider: tr.dataset.provider })),
      );
      expect(new Set(shown.map((r) => r.provider))).toEqual(
        new Set(['azure-import-export', 'aws-import-export', 'iot-hub']),
      );
      const byId = new Map(shown.map((r) => [r.id, r]));
      for (const job of jobs)
        expect(byId.get(job.id)).toEqual({ id: job.id, state: job.state ?? '', provider: job.provider });
      expect(page.url()).toBe(`${origin}/dashboard/`); // /dashboard redirects, so relative links work
      await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');
    });

    it("updates a row's state live, without a reload, when the gateway observes a change", async () => {
      const jobs = await gatewayJobs();
      // An Azure job early in its life makes the richer detail view (drives, a longer history) for the
      // screenshot; any unfinished job will do.
      const early = ['CREATING', 'SHIPPING', 'RECEIVED'];
      const target =
        jobs.find((j) => j.provider === 'azure-import-export' && early.includes(j.state!) && j.drives.length) ??
        jobs.find((j) => !isTerminal(j.state as never));
      expect(target, 'an unfinished job to watch').toBeDefined();
      watched = target!.id;
      const row = page.locator(`#jobs tr[data-job-id="${target!.id}"]`);
      const before = await row.getAttribute('data-state');
      expect(before).toBe(target!.state);
      const marker = 'crossdockSameDocument';
      await page.evaluate((name) => Object.assign(globalThis, { [name]: true }), marker);

      let now: string | null = before;
      for (let round = 0; round < MAX_ROUNDS && now === before; round++) {
        await stepAndPoll();
        now = (await gatewayJobs()).find((j) => j.id === target!.id)?.state ?? null;
      }
      expect(now, 'the gateway saw the job change state').not.toBe(before);
      await expect.poll(() => row.getAttribute('data-state'), { timeout: 15_000 }).toBe(now);
      expect(await page.evaluate((name) => name in globalThis, marker), 'the page was not reloaded').toBe(true);
    });

    it("opens a job's detail with its history, and photographs the dashboard", async () => {
      // A few more transitions, for a timeline worth showing.
      const historyOf = async () =>
        (
          await t.query<{ job: { history: unknown[] } }>('query ($id: ID!) { job(id: $id) { history { at } } }', {
            id: watched,
          })
        ).data!.job.history.length;
      for (let round = 0; round < 12 && (await historyOf()) < 3; round++) await stepAndPoll();
      const { data } = await t.query<{ job: { id: string; nativeId: string; history: unknown[] } }>(
        'query ($id: ID!) { job(id: $id) { id nativeId history { at } } }',
        { id: watched },
      );
      const job = data!.job;
      await page.locator(`#jobs tr[data-job-id="${job.id}"]`).click();
      const detail = page.locator(`#detail[data-job-id="${job.id}"]:not([data-loading])`);
      await detail.waitFor({ timeout: 15_000 });
      await expect.poll(() => detail.locator('header code').textContent()).toBe(job.nativeId);
      expect(await detail.locator('.timeline li').count()).toBe(job.history.length);
      expect(page.url()).toContain(`job=${encodeURIComponent(job.id)}`);

      // Charts drawn from the same jobs: one bar segment per provider and state present.
      await expect.poll(() => page.locator('[data-chart="jobs-by-state"]').getAttribute('data-points')).not.toBeNull();
      await expectStatsCharts(page);
      await page.mouse.move(0, 0); // no hover highlight in the picture
      await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0)); // the click scrolled the row into view
      await page.screenshot({ path: SCREENSHOT, animations: 'disabled' });
      expect(statSync(SCREENSHOT).size).toBeGreaterThan(20_000);
      expectOnlyGatewayRequests();
    }, 60_000);

    it('sends the API key the user enters, over HTTP and in the websocket connection_init', async () => {
      const key = 'dashboard-test-key';
      const requestsBefore = browser.requests.length;
      const socketsBefore = browser.websockets.length;
      await page.fill('#api-key', key);
      await page.click('#api-key-form button[type=submit]');
      await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
      const posts = browser.requests.slice(requestsBefore).filter((r) => r.method === 'POST');
      expect(posts.length).toBeGreaterThan(0);
      for (const post of posts) expect(post.headers.authorization).toBe(`Bearer ${key}`);
      const init = browser.websockets
        .slice(socketsBefore)
        .flatMap((s) => s.sent.map((f) => JSON.parse(f) as { type: string; payload?: unknown }))
        .find((m) => m.type === 'connection_init');
      expect(init?.payload).toEqual({ authorization: `Bearer ${key}` });
      await page.click('#api-key-forget');
      await expect
        .poll(() =>
          page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length),
        )
        .toBe(0);
    });
  });

  it('resumes after a dropped connection from the last cursor it got, missing no change', async () => {
    // The page's websockets pass through the test, which records the cursors and can cut the line.
    interface Link {
      page: WebSocketRoute;
      server: WebSocketRoute;
      afters: (string | undefined)[];
      /** Cursors of the events passed on to the page, until the test cut the line. */
      cursors: string[];
      cut: boolean;
    }
    const links: Link[] = [];
    const page = await browser.newPage();
    await page.routeWebSocket(/\/graphql$/, (ws) => {
      const server = ws.connectToServer();
      const link: Link = { page: ws, server, afters: [], cursors: [], cut: false };
      links.push(link);
      ws.onMessage((message) => {
        const msg = JSON.parse(String(message)) as { type: string; payload?: { variables?: { after?: string } } };
        if (msg.type === 'subscribe') link.afters.push(msg.payload?.variables?.after);
        server.send(message);
      });
      server.onMessage((message) => {
        const msg = JSON.parse(String(message)) as {
          type: string;
          payload?: { data?: { jobEvents?: { cursor: string } } };
        };
        const cursor = msg.type === 'next' ? msg.payload?.data?.jobEvents?.cursor : undefined;
        if (link.cut) return;
        if (cursor) link.cursors.push(cursor);
        ws.send(message);
      });
    });
    const connection = () => page.locator('#connection').getAttribute('data-state');
    const states = async () => new Map((await gatewayJobs()).map((j) => [j.id, j.state ?? ''] as const));
    const shownStates = async () =>
      new Map(
        await page
          .locator('#jobs tr[data-job-id]')
          .evaluateAll((trs) => trs.map((tr) => [tr.dataset.jobId!, tr.dataset.state!] as const)),
      );
    try {
      await page.goto(`${origin}/dashboard/`);
      await expect.poll(connection, { timeout: 20_000 }).toBe('live');
      expect(links[0]!.afters).toEqual([expect.any(String)]); // from latestJobEventCursor, read with the jobs

      for (let round = 0; round < MAX_ROUNDS && links[0]!.cursors.length === 0; round++) await stepAndPoll();
      await waitUntil(() => links[0]!.cursors.length > 0, 'an event on the first connection');
      const first = links[0]!;
      first.cut = true;
      const lastSeen = first.cursors.at(-1);
      await first.page.close({ code: 1012, reason: 'test cuts the line' });
      await first.server.close();
      await expect.poll(connection).toBe('retrying');
      const before = await states();
      let changed = false;
      for (let round = 0; round < MAX_ROUNDS && !changed; round++) {
        await stepAndPoll();
        const after = await states();
        changed = [...after].some(([id, state]) => before.get(id) !== state);
      }
      expect(changed, 'a state changed while the page was disconnected').toBe(true);

      await expect.poll(() => links.length, { timeout: 20_000 }).toBe(2);
      await expect.poll(() => links[1]!.afters.length).toBe(1);
      expect(links[1]!.afters[0]).toBe(lastSeen);
      const truth = await states();
      await expect.poll(shownStates, { timeout: 20_000 }).toEqual(truth);
      await expect.poll(connection).toBe('live');
    } finally {
      await page.close();
    }
  });

  describe('the explorer, with nothing but the gateway reachable', () => {
    let page: Page;
    beforeAll(async () => {
      page = await browser.newPage();
    });

    const responseText = async () => (await page.locator('.graphiql-response').textContent()) ?? '';

    it('runs a query', async () => {
      const response = await page.goto(`${origin}/graphql`);
      expect(response?.headers()['content-type']).toContain('text/html');
      await page.locator('.graphiql-execute-button').click({ timeout: 30_000 });
      await expect.poll(responseText, { timeout: 30_000 }).toContain('"totalCount"');
      for (const account of accounts) expect(await responseText()).toContain(account);
      expectOnlyGatewayRequests();
    });

    it('runs a subscription over the same websocket and shows its events', async () => {
      const subscription = 'subscription { jobEvents { kind state jobId } }';
      await page.goto(`${origin}/graphql?query=${encodeURIComponent(subscription)}`);
      const socketsBefore = browser.websockets.length;
      await page.locator('.graphiql-execute-button').click({ timeout: 30_000 });
      await waitUntil(() => browser.websockets.length > socketsBefore, 'the explorer opened a websocket');
      let text = '';
      for (let round = 0; round < MAX_ROUNDS && !text.includes('"jobEvents"'); round++) {
        await stepAndPoll();
        text = await responseText();
      }
      expect(text).toContain('"jobEvents"');
      expectOnlyGatewayRequests();
    });
  });
});
