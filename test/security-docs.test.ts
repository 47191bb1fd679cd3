/** The README's security docs against the code: the limits table states the defaults, the real config parses. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { parseConfig } from '../src/config.js';
import { registry } from '../src/registry.js';
import { limitsSchema } from '../src/server/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README security sections', () => {
  it('lists every limit with its default', () => {
    const rows = [...readme.matchAll(/^\| `limits\.([\w.]+)` +\| `(\d+)` +\|/gm)].map((m) => [m[1]!, Number(m[2])]);
    const defaults = limitsSchema.parse(undefined);
    const flat = Object.entries(defaults).flatMap(([key, value]) =>
      typeof value === 'object' ? Object.entries(value).map(([k, v]) => [`${key}.${k}`, v]) : [[key, value]],
    );
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(flat));
  });

  it('has a real config that parses, binds a non-loopback host only with auth, and keeps no raw API key', () => {
    const example = /A real configuration with several accounts[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    const env = new Proxy({} as NodeJS.ProcessEnv, {
      get: (_t, name) =>
        name === 'IOTHUB_CONNECTION_STRING'
          ? 'HostName=hub.example;SharedAccessKeyName=owner;SharedAccessKey=c2VjcmV0'
          : `value-of-${String(name)}-long-enough`,
    });
    const config = parseConfig(YAML.parse(example), registry, env);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.auth?.mode).toBe('required');
    expect(JSON.stringify(config.auth)).not.toContain('value-of-CROSSDOCK_DASHBOARD_KEY');
    expect(config.server.cors.origins).toEqual(['https://dashboard.contoso.com']);
  });
});
