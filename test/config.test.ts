import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ConfigError, interpolateEnv, loadConfigFile, parseConfig } from '../src/config.js';
import { registry } from '../src/registry.js';
import { thrown } from './helpers/thrown.js';

const problemsOf = (fn: () => unknown): string[] => thrown(fn, ConfigError).problems;

describe('config', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('interpolates ${ENV} and ${ENV:-default} in nested strings', () => {
    const problems: string[] = [];
    const out = interpolateEnv({ a: 'x-${ONE}-y', list: ['${TWO:-fallback}'], n: 3 }, { ONE: '1' }, problems);
    expect(out).toEqual({ a: 'x-1-y', list: ['fallback'], n: 3 });
    expect(problems).toEqual([]);
  });

  it('names the field whose environment variable is missing, without its value', () => {
    const problems = problemsOf(() =>
      parseConfig({ providers: [{ kind: 'x', account: 'a', token: '${NOT_SET_ANYWHERE}' }] }, registry, {}),
    );
    expect(problems).toEqual(['providers[0].token: environment variable NOT_SET_ANYWHERE is not set']);
  });

  it('reports one line per bad top-level field with its path', () => {
    const problems = problemsOf(() =>
      parseConfig({ server: { port: 'eighty' }, store: { kind: 'floppy' }, bogus: 1, providers: [] }, registry, {}),
    );
    expect(problems).toContainEqual(expect.stringMatching(/^server\.port: /));
    expect(problems).toContainEqual(expect.stringMatching(/^store\.kind: /));
    expect(problems).toContainEqual(expect.stringMatching(/bogus/));
    expect(problems).toContainEqual(expect.stringMatching(/^providers: list at least one account/));
  });

  it('rejects an unknown provider kind, naming the known ones', () => {
    const problems = problemsOf(() =>
      parseConfig({ providers: [{ kind: 'floppy-mail', account: 'a' }] }, registry, {}),
    );
    expect(problems[0]).toMatch(/^providers\[0\]\.kind: unknown provider "floppy-mail" \(known: /);
  });

  it('returns undefined when there is no config file and none was asked for', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crossdock-config-'));
    dirs.push(dir);
    expect(loadConfigFile(undefined, registry, dir)).toBeUndefined();
    expect(problemsOf(() => loadConfigFile('missing.yaml', registry, dir))).toEqual(['missing.yaml: no such file']);
  });

  it('points at the line of a syntax error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crossdock-config-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'bad.yaml'), 'providers:\n  - kind: [unclosed\n');
    expect(problemsOf(() => loadConfigFile('bad.yaml', registry, dir))[0]).toMatch(
      /^bad\.yaml:\d+:\d+: not valid YAML or JSON$/,
    );
  });

  it('reads a postgres store with its defaults, and names a bad one without echoing its URL', () => {
    const account = {
      kind: 'iot-hub',
      account: 'hub',
      connectionString: 'HostName=h;SharedAccessKeyName=n;SharedAccessKey=a2V5',
    };
    const config = parseConfig(
      { providers: [account], store: { kind: 'postgres', url: 'postgres://gw:${PGPASSWORD}@db:5432/crossdock' } },
      registry,
      { PGPASSWORD: 'pw' },
    );
    expect(config.store).toEqual({
      kind: 'postgres',
      url: 'postgres://gw:pw@db:5432/crossdock',
      poolSize: 10,
      statementTimeoutMs: 15_000,
      leaseTtlMs: 15_000,
      catchUpIntervalMs: 2_000,
    });
    const problems = problemsOf(() =>
      parseConfig(
        { providers: [account], store: { kind: 'postgres', url: 'mysql://gw:hunter2@db', leaseTtlMs: 10 } },
        registry,
        {},
      ),
    );
    expect(problems).toEqual([
      'store.url: must be a postgres:// or postgresql:// URL',
      expect.stringMatching(/^store\.leaseTtlMs: /),
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it("parses the README's config for several instances", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const example = /## Running several instances[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    const env = {
      CROSSDOCK_DASHBOARD_KEY: 'a-dashboard-key-of-24-characters-or-more',
      PGPASSWORD: 'pw',
      PG_CA_PEM: '-----BEGIN CERTIFICATE-----',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      IOTHUB_CONNECTION_STRING: 'HostName=hub.example;SharedAccessKeyName=owner;SharedAccessKey=c2VjcmV0',
    };
    const config = parseConfig(YAML.parse(example), registry, env);
    expect(config.store).toMatchObject({ kind: 'postgres', leaseTtlMs: 15_000, ssl: { rejectUnauthorized: true } });
    expect(config.providers).toHaveLength(3);
  });
});
