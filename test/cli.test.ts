/** The CLI as a user runs it: a real process, real ports, signals. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { buildSchema, type GraphQLInputObjectType } from 'graphql';
import sqlite3 from 'sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { type CliProcess, runCli } from './helpers/process.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

type Described = { providers: ({ kind: string; endpoint: string } & Record<string, string>)[]; caCertificate: string };

describe('crossdock CLI', () => {
  const procs: CliProcess[] = [];
  const dirs: string[] = [];
  const cli = (args: string[], cwd?: string, env: NodeJS.ProcessEnv = {}) => {
    const p = runCli(args, { cwd, env: { PORT: '', ...env } });
    procs.push(p);
    return p;
  };
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'crossdock-cli-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop('SIGKILL')));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('prints help and version; the help names an environment variable for every option, as the README does', async () => {
    const help = cli(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('crossdock serve');
    const variables = [...help.stdout().matchAll(/--([\w-]+)(?: \w+)?\s+(CROSSDOCK_\w+)/g)];
    expect(variables.length).toBeGreaterThanOrEqual(8);
    for (const [, option, variable] of variables)
      expect(readme).toMatch(new RegExp(`\\| \`--${option}\` +\\| \`${variable}\` +\\|`));
    const version = cli(['--version']);
    expect(await version.exited).toBe(0);
    expect(version.stdout().trim()).toBe(
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version,
    );
  });

  it('exits 2 with one clear line per bad field and no stack trace on a bad config', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'bad.yaml'),
      'server:\n  port: eighty\nproviders:\n  - kind: floppy-mail\n    account: a\n    token: s3cr3t-value\n',
    );
    const p = cli(['serve', '--config', 'bad.yaml'], dir);
    expect(await p.exited).toBe(2);
    const err = p.stderr();
    expect(err).toMatch(/server\.port: /);
    expect(err).toMatch(/providers\[0\]\.kind: unknown provider "floppy-mail"/);
    expect(err).not.toMatch(/\n\s+at /);
    expect(err).not.toContain('s3cr3t-value');
  });

  it('refuses a store file written by a newer crossdock, saying so, instead of touching it', async () => {
    const dir = tempDir();
    const store = join(dir, 'newer.sqlite');
    const db = new sqlite3.Database(store);
    await new Promise<void>((resolve, reject) =>
      db.exec(
        "CREATE TABLE crossdock_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO crossdock_meta VALUES ('schema_version', '99');",
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    await new Promise<void>((resolve) => db.close(() => resolve()));
    const sandbox = cli(['sandbox', '--json', '--seed-jobs', '1']);
    const description = JSON.parse(await sandbox.waitForLine(/^\{/)) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...description, store: { kind: 'sqlite', path: store } }));
    const p = cli(['serve', '--config', 'config.json', '--port', '0'], dir);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toMatch(/newer crossdock \(store schema 99\)/);
    expect(p.stderr()).not.toMatch(/\n\s+at /);
  });

  it('rejects a bad option with a usage message', async () => {
    const p = cli(['serve', '--port', 'abc']);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain('--port must be a whole number');
  });

  it('takes options from CROSSDOCK_* variables, the flag winning over the variable', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.yaml'), 'providers: []\n');
    const fromVariable = cli(['serve'], dir, { CROSSDOCK_CONFIG: 'bad.yaml' });
    const badVariable = cli(['serve'], dir, { CROSSDOCK_PORT: 'abc' });
    const flagWins = cli(['serve', '--log-level', 'loud'], dir, { CROSSDOCK_LOG_LEVEL: 'warn' });
    expect(await fromVariable.exited).toBe(2);
    expect(fromVariable.stderr()).toContain('providers: list at least one account');
    expect(await badVariable.exited).toBe(2);
    expect(badVariable.stderr()).toContain('CROSSDOCK_PORT must be a whole number from 0 to 65535');
    expect(await flagWins.exited).toBe(2);
    expect(flagWins.stderr()).toContain('--log-level must be one of');
  });

  it('gives the same credentials for the same seed, and other ones for another seed', async () => {
    const runs = [
      cli(['sandbox', '--json', '--seed', '7']),
      cli(['sandbox'], undefined, { CROSSDOCK_JSON: 'true', CROSSDOCK_SEED: '7' }),
      cli(['sandbox', '--json', '--seed', '8']),
    ];
    const [first, again, other] = await Promise.all(
      runs.map(async (p) =>
        // Everything but where it listens: the endpoints' ports are new at every start.
        (JSON.parse(await p.waitForLine(/^\{/)) as Described).providers.map(({ endpoint: _port, ...rest }) => rest),
      ),
    );
    expect(first!.map((p) => p.kind)).toEqual(['azure-import-export', 'aws-import-export', 'iot-hub']);
    expect(again).toEqual(first);
    const secrets = ['token', 'secretAccessKey', 'connectionString'];
    const secretsOf = (described: typeof first) =>
      described!.flatMap((p) => secrets.filter((k) => k in p).map((k) => p[k]));
    expect(secretsOf(first)).toHaveLength(3);
    for (const [i, secret] of secretsOf(first).entries()) expect(secretsOf(other)[i]).not.toBe(secret);
  });

  it('prints a JSON Schema of the config that accepts the README example and refuses mistakes', async () => {
    const p = cli(['config', 'schema']);
    expect(await p.exited).toBe(0);
    // Formats (uri) are left to the gateway's own check; the schema's structure is what editors use.
    const validate = new Ajv({ allErrors: true, validateFormats: false }).compile(JSON.parse(p.stdout()));
    const [, example] = readme.match(/```yaml\n(# yaml-language-server: \$schema=[\s\S]*?)```/) ?? [];
    expect(example).toContain('providers:');
    expect(validate(YAML.parse(example!)), JSON.stringify(validate.errors)).toBe(true);
    expect(
      validate({ server: { prot: 4000 }, providers: [{ kind: 'iot-hub', account: 'h', connectionString: 'x' }] }),
    ).toBe(false);
    expect(validate({ providers: [{ kind: 'floppy-mail', account: 'a' }] })).toBe(false);
    expect(validate({ providers: [{ kind: 'aws-import-export', account: 'a', accessKeyId: 'AKIA' }] })).toBe(false);
    expect(validate({ providers: [] })).toBe(false);
  });

  it('prints the SDL the gateway serves', async () => {
    const p = cli(['print-schema']);
    expect(await p.exited).toBe(0);
    const schema = buildSchema(p.stdout());
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(
      expect.arrayContaining(['jobs', 'node', 'jobByNativeId', 'accounts']),
    );
    expect(Object.keys(schema.getMutationType()!.getFields())).toEqual(
      expect.arrayContaining(['createJob', 'updateJob', 'cancelJob', 'deleteJob']),
    );
    expect(schema.getSubscriptionType()!.getFields().jobEvents).toBeDefined();
    // Each adapter's input branch is in it too.
    const createInput = schema.getType('CreateJobInput') as GraphQLInputObjectType;
    expect(Object.keys(createInput.getFields())).toEqual(
      expect.arrayContaining(['azureImportExport', 'awsImportExport', 'iotHub']),
    );
  });

  it('prints the subgraph SDL with --subgraph (or CROSSDOCK_SUBGRAPH), as a router reads it from _service', async () => {
    const flag = cli(['print-schema', '--subgraph']);
    const env = cli(['print-schema'], undefined, { CROSSDOCK_SUBGRAPH: 'true' });
    expect([await flag.exited, await env.exited]).toEqual([0, 0]);
    expect(env.stdout()).toBe(flag.stdout());
    const schema = buildSchema(flag.stdout());
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(
      expect.arrayContaining(['jobs', 'accounts', '_entities', '_service']),
    );
    expect(schema.getSubscriptionType()!.getFields().jobEvents).toBeDefined();
    const keys = (type: string) =>
      schema
        .getType(type)!
        .astNode!.directives!.filter((d) => d.name.value === 'key')
        .map((d) => (d.arguments![0]!.value as { value: string }).value);
    expect(keys('Job')).toEqual(['id', 'account nativeId']);
    expect(keys('ProviderAccount')).toEqual(['name']);
    expect(flag.stdout()).toMatch(/^extend schema @link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/m);
  });

  it('sandbox --json prints one JSON object first, then serves until SIGTERM', async () => {
    const p = cli(['sandbox', '--json']);
    const line = await p.waitForLine(/^\{/);
    expect(p.stdout().startsWith(line)).toBe(true);
    const description = JSON.parse(line) as { providers: { kind: string; endpoint: string }[]; caCertificate: string };
    expect(description.caCertificate).toContain('BEGIN CERTIFICATE');
    expect(description.providers.length).toBeGreaterThan(0);
    for (const provider of description.providers) expect(provider.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await p.stop('SIGTERM')).toBe(0);
  });

  it('serve without config starts the sandbox and a gateway that answers GraphQL, then shuts down cleanly', async () => {
    const dir = tempDir();
    // Options from the environment; stderr is a pipe here, so logs are JSON lines.
    const p = cli(['serve'], dir, { CROSSDOCK_PORT: '0', CROSSDOCK_LOG_LEVEL: 'info' });
    const line = await p.waitForLine(/GraphQL at http:\/\//);
    const logged = await waitFor(() =>
      p
        .stderr()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string; url?: string })
        .find((l) => l.msg === 'gateway listening'),
    );
    expect(line).toContain(logged.url);
    const url = line.match(/(http:\/\/\S+)/)![1]!;
    const health = await fetch(new URL('/healthz', url));
    expect(health.status).toBe(200);
    const dashboard = (await p.waitForLine(/dashboard at http:\/\//)).match(/(http:\/\/\S+)/)![1]!;
    expect(dashboard).toBe(new URL('/dashboard/', url).toString());
    expect((await fetch(dashboard)).status).toBe(200);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ jobs(first: 5) { totalCount edges { node { id provider state } } } }' }),
    });
    const body = (await res.json()) as { data: { jobs: { totalCount: number } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.jobs.totalCount).toBeGreaterThan(0);
    expect(await p.stop('SIGTERM')).toBe(0);
    // The store was closed, not abandoned: SQLite folds its write-ahead log back when the last connection closes.
    expect(existsSync(join(dir, '.crossdock', 'sandbox.sqlite'))).toBe(true);
    expect(existsSync(join(dir, '.crossdock', 'sandbox.sqlite-wal'))).toBe(false);
  });

  it('writes readable log lines with --log-format pretty', async () => {
    const p = cli(['serve', '--port', '0', '--log-format', 'pretty'], tempDir());
    await p.waitForLine(/GraphQL at http:\/\//);
    const line = await waitFor(() =>
      p
        .stderr()
        .split('\n')
        .find((l) => l.includes('gateway listening')),
    );
    expect(line.startsWith('{')).toBe(false);
    expect(line).toMatch(/INFO/);
    expect(await p.stop('SIGTERM')).toBe(0);
  });
});

/** Polls `find` every 20 ms until it returns something, for at most 10 s. */
async function waitFor<T>(find: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out');
}
