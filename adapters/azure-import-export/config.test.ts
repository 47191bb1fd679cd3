/** The account entry: what the sandbox prints passes unchanged; a bad entry gets one line per field. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { registry } from '../../src/registry.js';
import { adapter } from './index.js';

const entry = {
  kind: 'azure-import-export',
  account: 'contoso-west',
  subscriptionId: '00000000-0000-0000-0000-000000000000',
};

function problems(provider: Record<string, unknown>): string[] {
  try {
    parseConfig({ providers: [provider], store: { kind: 'memory' } }, registry, {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('azure-import-export config', () => {
  it('takes a static token (the sandbox entry) or a credential, with the public ARM endpoint by default', () => {
    expect(
      adapter.configSchema.parse({
        ...entry,
        resourceGroup: 'rg',
        token: 't',
        endpoint: 'https://127.0.0.1:4443',
      }),
    ).toMatchObject({ endpoint: 'https://127.0.0.1:4443', resourceGroup: 'rg' });
    expect(
      adapter.configSchema.parse({
        ...entry,
        credential: { tenantId: 't', clientId: 'c', clientSecret: 's' },
      }),
    ).toMatchObject({ endpoint: 'https://management.azure.com' });
    expect(adapter.configSchema.parse({ ...entry, credential: 'default' }).credential).toBe('default');
  });

  it('wants exactly one of token and credential, an https endpoint and no unknown field, and never echoes a secret', () => {
    expect(problems({ ...entry })).toEqual([
      expect.stringMatching(/^providers\[0\]\.token: set exactly one of token and credential/),
    ]);
    expect(problems({ ...entry, token: 'tok-s3cr3t', credential: 'default' })).toHaveLength(1);
    expect(problems({ ...entry, token: 't', endpoint: 'http://management.azure.com' })).toEqual([
      expect.stringMatching(/^providers\[0\]\.endpoint: must be an https URL/),
    ]);
    expect(problems({ ...entry, token: 't', resourcegroup: 'typo' })).toEqual([
      expect.stringMatching(/^providers\[0\]/),
    ]);
    const lines = problems({ ...entry, credential: { tenantId: 't', clientId: 'c', clientSecret: 42 } });
    expect(lines).toEqual([expect.stringMatching(/^providers\[0\]\.credential/)]);
    expect(problems({ ...entry, token: 'tok-s3cr3t', credential: 'default' }).join('\n')).not.toContain('tok-s3cr3t');
  });
});
