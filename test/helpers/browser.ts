/**
 * A real browser for the dashboard tests: Debian's chromium driven by playwright-core (no browser download),
 * in a fresh profile, with the network cut to the gateway's origin. Every request the pages (and their
 * workers) make is recorded; any other origin is refused before it leaves the browser, and chromium's own
 * background traffic (updates, sync, QUIC) is switched off.
 *
 * CI installs chromium (.ci/run). Without it the browser suites fail in CI and are skipped elsewhere, saying so.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser suites cannot run here, or undefined when they can (or must: in CI a missing browser fails). */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return undefined;
  return `no chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH): browser tests skipped`;
}

const FLAGS = [
  '--no-sandbox', // CI runs as root
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Names resolve to nothing but loopback: a request the routing below missed could not go out either.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]',
];

export interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  postData: string | null;
}

export interface TestBrowser {
  context: BrowserContext;
  /** Every HTTP request the pages and their workers made, in order (also those refused). */
  requests: RecordedRequest[];
  /** Requests refused because they were for another origin than the gateway's. */
  refused: string[];
  /** Every websocket the pages opened, with the frames they sent. */
  websockets: { url: string; sent: string[] }[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Headless chromium in a fresh profile that may talk to `origin` (e.g. http://127.0.0.1:1234) and nothing else. */
export async function launchBrowser(origin: string): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`chromium is missing at ${CHROMIUM_PATH}: install it (apt-get install -y chromium)`);
  const profile = mkdtempSync(join(tmpdir(), 'crossdock-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: FLAGS,
      viewport: { width: 1360, height: 860 },
      serviceWorkers: 'block',
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const requests: RecordedRequest[] = [];
  const refused: string[] = [];
  const websockets: TestBrowser['websockets'] = [];
  const sameOrigin = (url: string) => {
    try {
      return new URL(url).origin === origin;
    } catch {
      return false;
    }
  };
  context.on('request', (request) => {
    requests.push({
      url: request.url(),
      method: request.method(),
      headers: request.headers(),
      postData: request.postData(),
    });
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (sameOrigin(url) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    refused.push(url);
    return route.abort('internetdisconnected');
  });
  const watch = (page: Page) =>
    page.on('websocket', (socket) => {
      const entry = { url: socket.url(), sent: [] as string[] };
      websockets.push(entry);
      socket.on('framesent', (frame) => entry.sent.push(String(frame.payload)));
    });
  context.on('page', watch);
  for (const page of context.pages()) watch(page);

  return {
    context,
    requests,
    refused,
    websockets,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
