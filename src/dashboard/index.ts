/**
 * The web dashboard (`/dashboard/`) and the offline GraphQL explorer (`GET /graphql` from a browser), served
 * from files in the package and nothing else: the pages in `./public`, Chart.js's and graphql-ws's browser
 * builds from node_modules, and GraphiQL as @graphql-yoga/render-graphiql bundles it for offline use. A
 * Content-Security-Policy tells the browser to load and connect to the gateway's own origin only.
 *
 * The pages are public (they hold no data); everything they show comes through /graphql, with the API key
 * the user enters. No build step: the pages are plain ES modules.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

export const DASHBOARD_PATH = '/dashboard/';

export interface DashboardOptions {
  /** Serve the dashboard at /dashboard/ (`server.dashboard`). */
  dashboard: boolean;
  /** Serve GraphiQL for browsers at the GraphQL path (`server.explorer`, and only while introspection is on). */
  explorer: boolean;
  /** Where GraphQL is served, e.g. /graphql. */
  graphqlPath: string;
}

export interface Dashboard {
  /** Answers the request if it is the dashboard's or the explorer's; false leaves it to the next handler. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

/** The dashboard's address for a GraphQL URL such as http://127.0.0.1:4000/graphql. */
export function dashboardUrl(graphqlUrl: string): string {
  return new URL(DASHBOARD_PATH, graphqlUrl).toString();
}

type Feature = 'dashboard' | 'explorer';

interface Asset {
  /** Which switch must be on for the file to be served (none: either). */
  feature?: Feature;
  load(): Promise<string | Buffer>;
}

interface LoadedAsset {
  body: Buffer;
  gzipped?: Buffer;
  etag: string;
  type: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Same origin only. 'self' covers the websocket on the same host and port (CSP Level 3); GraphiQL's editor
 * sets inline styles and shows data: images, and its Monaco workers run from the same origin.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

const EXPLORER_PAGE = 'explorer.html';
/** Files the explorer uses too, so they are there with the dashboard off. */
const SHARED = new Set(['client.js', 'favicon.svg']);
const gzipAsync = promisify(gzip);
const publicDir = join(dirname(fileURLToPath(import.meta.url)), 'public');
const require = createRequire(import.meta.url);

/** A package's root folder, found from its main entry (its `exports` need not list the file we serve). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  for (;;) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === name) return dir;
    } catch {
      // no package.json at this level: keep going up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = parent;
  }
}

const fromFile = (path: string) => async () => readFileSync(path);
const fromPackage = (name: string, file: string) => async () => readFileSync(join(packageDir(name), file));
/** GraphiQL, React and Monaco's workers as strings: 9 MB, so loaded on the first explorer request only. */
const fromGraphiQL = (part: 'js' | 'css' | 'editorWorkerService' | 'jsonWorker' | 'graphqlWorker') => async () =>
  (await import('@graphql-yoga/render-graphiql/graphiql'))[part];

/**
 * Every file the dashboard and the explorer may serve, by URL path below /dashboard/; nothing else is. The
 * explorer's page is served at the GraphQL path only (its links are relative to it).
 */
function assetTable(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(publicDir)) {
    if (name === EXPLORER_PAGE) continue;
    const feature: Feature = name.startsWith('explorer') ? 'explorer' : 'dashboard';
    assets.set(name === 'index.html' ? '' : name, {
      ...(SHARED.has(name) ? {} : { feature }),
      load: fromFile(join(publicDir, name)),
    });
  }
  assets.set('vendor/chart.umd.min.js', {
    feature: 'dashboard',
    load: fromPackage('chart.js', 'dist/chart.umd.min.js'),
  });
  assets.set('vendor/graphql-ws.min.js', { load: fromPackage('graphql-ws', 'umd/graphql-ws.min.js') });
  const graphiql = [
    ['graphiql.js', 'js'],
    ['graphiql.css', 'css'],
    ['editor.worker.js', 'editorWorkerService'],
    ['json.worker.js', 'jsonWorker'],
    ['graphql.worker.js', 'graphqlWorker'],
  ] as const;
  for (const [file, part] of graphiql) assets.set(`vendor/${file}`, { feature: 'explorer', load: fromGraphiQL(part) });
  return assets;
}

function contentType(path: string): string {
  const dot = path.lastIndexOf('.');
  return (dot >= 0 && CONTENT_TYPES[path.slice(dot)]) || CONTENT_TYPES['.html']!;
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(`${text}\n`);
}

export function createDashboard(opts: DashboardOptions): Dashboard {
  const assets = assetTable();
  const explorerPage: Asset = { feature: 'explorer', load: fromFile(join(publicDir, EXPLORER_PAGE)) };
  const loaded = new Map<string, Promise<LoadedAsset>>();
  const enabled = (feature: Feature | undefined) => (feature ? opts[feature] : opts.dashboard || opts.explorer);

  function load(key: string, asset: Asset, type: string): Promise<LoadedAsset> {
    let entry = loaded.get(key);
    if (!entry) {
      entry = asset.load().then((content) => {
        const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
        return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
      });
      entry.catch(() => loaded.delete(key)); // a failed read is retried next time
      loaded.set(key, entry);
    }
    return entry;
  }

  async function send(req: IncomingMessage, res: ServerResponse, key: string, asset: Asset, type: string) {
    const file = await load(key, asset, type);
    const headers: Record<string, string> = {
      'content-type': file.type,
      etag: file.etag,
      // Revalidated on every load, so an upgraded gateway never runs yesterday's page against today's schema.
      'cache-control': 'no-cache',
      vary: 'accept-encoding',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': CONTENT_SECURITY_POLICY,
    };
    if (req.headers['if-none-match'] === file.etag) return void res.writeHead(304, headers).end();
    let body = file.body;
    if (body.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      file.gzipped ??= await gzipAsync(body);
      body = file.gzipped;
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(body.length);
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
  }

  // A browser's navigation, also with ?query=… (GraphiQL keeps the editor's text there): API clients ask for JSON.
  const wantsHtml = (req: IncomingMessage) => String(req.headers.accept ?? '').includes('text/html');

  return {
    async handle(req, res, url) {
      const readOnly = req.method === 'GET' || req.method === 'HEAD';
      if (url.pathname === opts.graphqlPath) {
        if (!readOnly || !wantsHtml(req)) return false;
        if (!opts.explorer) {
          sendText(res, 404, 'The GraphQL explorer is off (server.explorer: false, or introspection is disabled).');
          return true;
        }
        await send(req, res, EXPLORER_PAGE, explorerPage, CONTENT_TYPES['.html']!);
        return true;
      }
      if (url.pathname === DASHBOARD_PATH.slice(0, -1)) {
        if (!opts.dashboard) return false;
        res.writeHead(308, { location: `${DASHBOARD_PATH}${url.search}` }).end();
        return true;
      }
      if (!url.pathname.startsWith(DASHBOARD_PATH)) return false;
      const key = url.pathname.slice(DASHBOARD_PATH.length);
      const asset = assets.get(key);
      if (!asset || !enabled(asset.feature)) {
        sendText(res, 404, 'not found');
        return true;
      }
      if (!readOnly) {
        sendText(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
        return true;
      }
      await send(req, res, key, asset, contentType(key || 'index.html'));
      return true;
    },
  };
}
