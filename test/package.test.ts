/**
 * The package as a user gets it: `npm pack` (which builds dist/), the tarball unpacked into an empty project as
 * npm installs it, and there the bin, `crossdock serve` on the sandbox answering a query, and both public entry
 * points from JavaScript and from TypeScript (the shipped declarations). The unpacked package's dependencies
 * are this checkout's, linked rather than downloaded: no registry and no two-minute SQLite compile, and its
 * devDependencies (tsx, typescript) are not there, so it cannot lean on them at run time.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredAdapters } from './helpers/adapters.js';
import { type CliProcess, runNode } from './helpers/process.js';

const run = promisify(execFile);
const checkout = fileURLToPath(new URL('..', import.meta.url));

interface PackedFile {
  path: string;
}
interface PackageJson {
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
}

describe('the npm package', () => {
  let dir: string;
  let app: string;
  let files: string[];
  let installed: PackageJson;
  const procs: CliProcess[] = [];
  const node = (args: string[]) => {
    const p = runNode(args, { cwd: app, env: { PORT: '' } });
    procs.push(p);
    return p;
  };
  const bin = () => join(app, 'node_modules', 'crossdock', installed.bin.crossdock!);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crossdock-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: checkout,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout) as { filename: string; files: PackedFile[] }[];
    files = packed!.files.map((f) => f.path);

    app = join(dir, 'app');
    const target = join(app, 'node_modules', 'crossdock');
    mkdirSync(target, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run('tar', ['-xzf', join(dir, packed!.filename), '--strip-components=1', '-C', target]);
    installed = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as PackageJson;
    // A module hook (run with --import) that appends the URL of every module it loads to $TRACE_FILE.
    writeFileSync(
      join(dir, 'trace-hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) {
  if (file) appendFileSync(file, url + '\\n');
  return next(url, context);
}
`,
    );
    writeFileSync(
      join(dir, 'trace.mjs'),
      `import { register } from 'node:module';
register('./trace-hooks.mjs', import.meta.url, { data: { file: process.env.TRACE_FILE } });
`,
    );
    for (const name of Object.keys(installed.dependencies)) {
      const link = join(app, 'node_modules', name);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(checkout, 'node_modules', name), link, 'dir');
    }
  }, 240_000);

  afterAll(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the compiled code, its declarations and SDL, and no tests, fixtures, benchmarks or sources', () => {
    expect(files).toContain('bin/crossdock.js');
    expect(files).toContain('dist/src/index.js');
    expect(files).toContain('dist/src/index.d.ts');
    expect(files).toContain('dist/src/sdk/index.d.ts');
    expect(files).toContain('dist/schema/jobs.graphql');
    expect(files.filter((f) => /^dist\/adapters\/[^/]+\/schema\.graphql$/.test(f)).sort()).toEqual(
      registeredAdapters()
        .map((a) => `dist/adapters/${a.kind}/schema.graphql`)
        .sort(),
    );
    const unwanted = files.filter(
      (f) =>
        /(^|\/)(test|tests|bench|fixtures|scripts|\.ci)\//.test(f) ||
        /\.test\.|test-inputs|\.sqlite/.test(f) ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')),
    );
    expect(unwanted).toEqual([]);
  });

  it('runs its bin: --version without a build tool in sight', async () => {
    const p = node([bin(), '--version']);
    expect(await p.exited).toBe(0);
    expect(p.stdout().trim()).toBe(installed.version);
    expect(readFileSync(bin(), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  /**
   * Runs `node …args` in the app with a module hook that lists every module file loaded through `import`
   * (Node built-ins aside), as paths relative to the app.
   */
  const traced = async (args: string[]) => {
    const list = join(dir, `loaded-${procs.length}.txt`);
    writeFileSync(list, '');
    const p = runNode(['--import', pathToFileURL(join(dir, 'trace.mjs')).href, ...args], {
      cwd: app,
      env: { PORT: '', TRACE_FILE: list },
    });
    procs.push(p);
    const loaded = () =>
      readFileSync(list, 'utf8')
        .split('\n')
        .filter((url) => url.startsWith('file:'))
        .map((url) => relative(app, fileURLToPath(url)));
    return { p, loaded };
  };
  /** What only the sandbox, a terminal, an Azure credential or traces need. */
  const lazy =
    /\/(sandbox|simulator[^/]*\.js$|telemetry\/tracing\.js$)|node_modules\/(selfsigned|pino-pretty|@azure\/identity|@opentelemetry\/(sdk-trace[^/]*|exporter-trace-otlp-http|resources))\//;
  /** The OpenTelemetry SDK, which only `telemetry.otlpEndpoint` loads. */
  const tracingSdk = /node_modules\/@opentelemetry\/sdk-trace-base\//;
  /** What only a gateway serving a Federation subgraph needs. */
  const federation = /\/graphql\/federation\.js$|node_modules\/@apollo\/subgraph\//;

  it('answers --version and --help loading only the CLI entry and its options module', async () => {
    for (const flag of ['--version', '--help']) {
      const { p, loaded } = await traced([bin(), flag]);
      expect(await p.exited).toBe(0);
      expect(loaded().sort()).toEqual(
        ['bin/crossdock.js', 'dist/src/cli/main.js', 'dist/src/cli/options.js'].map((f) =>
          join('node_modules', 'crossdock', f),
        ),
      );
    }
  });

  it('loads neither the sandbox, the simulators, selfsigned, pino-pretty, @azure/identity, the tracing SDK nor federation when not used', async () => {
    writeFileSync(join(app, 'import.mjs'), "await import('crossdock');\nawait import('crossdock/adapter');\n");
    const library = await traced(['import.mjs']);
    expect(await library.p.exited).toBe(0);
    expect(library.loaded()).toContain('node_modules/crossdock/dist/src/index.js');
    expect(library.loaded().filter((f) => lazy.test(f))).toEqual([]);

    // A gateway on a configured account (on loopback, where nothing answers: no call leaves the machine).
    writeFileSync(
      join(app, 'crossdock.config.yaml'),
      [
        'store: { kind: memory }',
        'providers:',
        '  - kind: azure-import-export',
        '    account: west',
        '    subscriptionId: 00000000-0000-0000-0000-000000000000',
        '    token: not-a-real-token',
        '    endpoint: https://127.0.0.1:9',
        '',
      ].join('\n'),
    );
    try {
      const gateway = await traced([bin(), 'serve', '--port', '0', '--log-level', 'silent']);
      await gateway.p.waitForLine(/GraphQL at http:\/\//);
      expect(gateway.loaded()).toContain('node_modules/crossdock/dist/src/cli/serve.js');
      expect(gateway.loaded().filter((f) => lazy.test(f) || federation.test(f))).toEqual([]);
      expect(await gateway.p.stop('SIGTERM')).toBe(0);

      // The same gateway as a subgraph loads the federation module and @apollo/subgraph, and answers _service.
      const subgraph = await traced([bin(), 'serve', '--port', '0', '--log-level', 'silent', '--subgraph']);
      const url = (await subgraph.p.waitForLine(/GraphQL at http:\/\//)).match(/(http:\/\/\S+)/)![1]!;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
      });
      const body = (await res.json()) as { data?: { _service: { sdl: string } } };
      expect(body.data?._service.sdl).toContain('@key(fields: "account nativeId")');
      expect(subgraph.loaded()).toContain('node_modules/crossdock/dist/src/graphql/federation.js');
      expect(subgraph.loaded().some((f) => /node_modules\/@apollo\/subgraph\//.test(f))).toBe(true);
      expect(subgraph.loaded().filter((f) => lazy.test(f))).toEqual([]);
      expect(await subgraph.p.stop('SIGTERM')).toBe(0);

      // The same gateway with traces configured loads the SDK (so its absence above means something).
      writeFileSync(
        join(app, 'crossdock.config.yaml'),
        `telemetry: { otlpEndpoint: "http://127.0.0.1:9/v1/traces" }\n${readFileSync(join(app, 'crossdock.config.yaml'), 'utf8')}`,
      );
      const withTraces = await traced([bin(), 'serve', '--port', '0', '--log-level', 'silent']);
      await withTraces.p.waitForLine(/GraphQL at http:\/\//);
      expect(withTraces.loaded().filter((f) => tracingSdk.test(f)).length).toBeGreaterThan(0);
      expect(await withTraces.p.stop('SIGTERM')).toBe(0);
    } finally {
      rmSync(join(app, 'crossdock.config.yaml'));
    }
  });

  it('serves the sandbox and answers a query, then shuts down on SIGTERM', async () => {
    const { p, loaded } = await traced([bin(), 'serve', '--port', '0', '--log-level', 'warn']);
    const url = (await p.waitForLine(/GraphQL at http:\/\//)).match(/(http:\/\/\S+)/)![1]!;
    // The trace sees what the sandbox needs when it is used (so its absence above means something).
    expect(loaded().filter((f) => lazy.test(f)).length).toBeGreaterThanOrEqual(5);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ jobs(first: 3) { totalCount edges { node { id provider state } } } }' }),
    });
    const body = (await res.json()) as { data?: { jobs: { totalCount: number; edges: unknown[] } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data!.jobs.totalCount).toBeGreaterThan(0);
    expect(body.data!.jobs.edges).toHaveLength(3);
    expect(await p.stop('SIGTERM')).toBe(0);
  });

  it('imports crossdock and crossdock/adapter and runs a gateway through the public API', async () => {
    writeFileSync(
      join(app, 'embed.mjs'),
      `import { createGateway, parseConfig, startSandbox, startServer, registry } from 'crossdock';
import { defineAdapter, ErrorCode, ProviderError } from 'crossdock/adapter';
const sandbox = await startSandbox({ stepMs: 0 });
const gateway = createGateway(parseConfig({ ...sandbox.description, store: { kind: 'memory' }, logLevel: 'warn' }));
const server = await startServer(gateway, { host: '127.0.0.1', port: 0 });
try {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ accounts { name provider } }' }),
  });
  const { data } = await res.json();
  console.log(JSON.stringify({
    accounts: data.accounts.map((a) => a.name),
    kinds: registry.adapters.map((a) => a.kind),
    adapter: [typeof defineAdapter, typeof ProviderError, ErrorCode.NOT_FOUND],
  }));
} finally {
  await server.close();
  await gateway.dispose();
  await sandbox.close();
}
`,
    );
    const p = node(['embed.mjs']);
    expect(await p.exited).toBe(0);
    const out = JSON.parse(p.stdout()) as { accounts: string[]; kinds: string[]; adapter: string[] };
    expect(out.kinds).toEqual(['azure-import-export', 'aws-import-export', 'iot-hub']);
    expect(out.accounts.sort()).toEqual(out.kinds.map((k) => `sandbox-${k}`).sort());
    expect(out.adapter).toEqual(['function', 'function', 'NOT_FOUND']);
  });

  it("type-checks a TypeScript consumer against the package's declarations", async () => {
    // The checkout's TypeScript and Node types, linked like the dependencies (a consumer has its own).
    for (const name of ['typescript', '@types/node']) {
      const link = join(app, 'node_modules', name);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(checkout, 'node_modules', name), link, 'dir');
    }
    writeFileSync(
      join(app, 'consumer.ts'),
      `import { ConfigError, type ConnectionAuthenticator, createGateway, type GatewayConfig, loadConfig, type RunningServer, startServer } from 'crossdock';
import { type Adapter, defineAdapter, ErrorCode, ProviderError } from 'crossdock/adapter';
const authenticate: ConnectionAuthenticator = ({ connectionParams }) => connectionParams?.token === 'let-me-in';
export async function start(file: string): Promise<RunningServer> {
  const config: GatewayConfig | undefined = loadConfig(file);
  if (!config) throw new ConfigError([\`\${file}: no such file\`]);
  return startServer(createGateway(config), { host: '127.0.0.1', port: 0, websocket: { authenticate } });
}
export const isNotFound = (error: unknown) => error instanceof ProviderError && error.code === ErrorCode.NOT_FOUND;
export type AnyAdapter = Adapter;
export const define: typeof defineAdapter = defineAdapter;
// @ts-expect-error the port is a number
void startServer(createGateway(loadConfig()!), { host: '127.0.0.1', port: '4000' });
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        // skipLibCheck: the dependencies' own declarations are theirs to check. Had ours failed to resolve, the
        // consumer's types would be any and the @ts-expect-error above would fail the compile.
        compilerOptions: { module: 'nodenext', strict: true, noEmit: true, types: ['node'], skipLibCheck: true },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    const p = node([tsc, '-p', 'tsconfig.json']);
    expect(await p.exited, p.stdout() + p.stderr()).toBe(0);
  }, 120_000);
});
