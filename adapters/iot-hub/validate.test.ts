import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/sdk/index.js';
import { thrown } from '../../test/helpers/thrown.js';
import { parseCreate } from './validate.js';

const SIG = 'c2VjcmV0U0FTc2lnbmF0dXJl';
const sas = (container: string, permissions = 'rwdl') =>
  `https://contosodevices.blob.core.windows.net/${container}?sv=2021-08-06&sp=${permissions}&se=2030-01-01&sig=${SIG}`;
const plain = (container: string) => `https://contosodevices.blob.core.windows.net/${container}`;
const IDENTITY =
  '/subscriptions/6b1e1a4c-0000-4000-8000-3c2f0f6a9d10/resourceGroups/iot-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/hub-import';

/** The problems parseCreate reports, as `field: message`; fails the test when the input is accepted. */
function problems(input: unknown): Record<string, string> {
  const list = thrown(() => parseCreate(input), InvalidInputError).problems;
  // No message may quote the input: URIs carry SAS tokens.
  for (const p of list) expect(p.message).not.toContain(SIG);
  return Object.fromEntries(list.map((p) => [p.field, p.message]));
}

describe('parseCreate (iotHub branch)', () => {
  it('builds the SDK-shaped body of an export', () => {
    expect(parseCreate({ type: 'EXPORT', outputBlobContainerUri: sas('devices-out') })).toEqual({
      type: 'export',
      outputBlobContainerUri: sas('devices-out'),
      excludeKeysInExport: false,
      storageAuthenticationType: 'keyBased',
    });
  });

  it('builds an import with every option', () => {
    expect(
      parseCreate({
        type: 'IMPORT',
        inputBlobContainerUri: sas('devices-in', 'rl'),
        inputBlobName: 'fleet.txt',
        outputBlobContainerUri: sas('import-results'),
        includeConfigurations: true,
        configurationsBlobName: 'configs.txt',
      }),
    ).toEqual({
      type: 'import',
      inputBlobContainerUri: sas('devices-in', 'rl'),
      inputBlobName: 'fleet.txt',
      outputBlobContainerUri: sas('import-results'),
      storageAuthenticationType: 'keyBased',
      includeConfigurations: true,
      configurationsBlobName: 'configs.txt',
    });
  });

  it('needs no SAS for identity-based storage, and passes a user-assigned identity on', () => {
    expect(
      parseCreate({
        type: 'EXPORT',
        outputBlobContainerUri: plain('devices-out'),
        excludeKeysInExport: true,
        storageAuthenticationType: 'IDENTITY_BASED',
        userAssignedIdentity: IDENTITY,
      }),
    ).toEqual({
      type: 'export',
      outputBlobContainerUri: plain('devices-out'),
      excludeKeysInExport: true,
      storageAuthenticationType: 'identityBased',
      identity: { userAssignedIdentity: IDENTITY },
    });
  });

  it('names every missing field of an empty input', () => {
    expect(Object.keys(problems({}))).toEqual(['type', 'outputBlobContainerUri']);
    expect(Object.keys(problems(null))).toEqual(['type', 'outputBlobContainerUri']);
  });

  it('requires the input container for an import', () => {
    expect(problems({ type: 'IMPORT', outputBlobContainerUri: sas('devices-out') })).toEqual({
      inputBlobContainerUri: 'is required for an IMPORT job',
    });
  });

  it('refuses import-only and export-only options on the other type', () => {
    expect(
      Object.keys(
        problems({
          type: 'EXPORT',
          inputBlobContainerUri: sas('devices-in'),
          inputBlobName: 'x.txt',
          outputBlobContainerUri: sas('devices-out'),
        }),
      ),
    ).toEqual(['inputBlobContainerUri', 'inputBlobName']);
    expect(
      problems({
        type: 'IMPORT',
        inputBlobContainerUri: sas('devices-in'),
        outputBlobContainerUri: sas('devices-out'),
        excludeKeysInExport: true,
      }),
    ).toEqual({ excludeKeysInExport: 'is for EXPORT jobs only' });
  });

  it('says a key-based container needs a SAS, without quoting the URI', () => {
    const found = problems({
      type: 'IMPORT',
      inputBlobContainerUri: plain('devices-in'),
      outputBlobContainerUri: sas('devices-out'),
    });
    expect(found.inputBlobContainerUri).toMatch(/SAS token with read access/);
    expect(found.inputBlobContainerUri).toMatch(/IDENTITY_BASED/);
  });

  it.each([
    ['not a URL', 'not a url'],
    ['plain http', `http://contosodevices.blob.core.windows.net/devices-out?sig=${SIG}`],
    ['no container', `https://contosodevices.blob.core.windows.net/?sig=${SIG}`],
    ['a blob path, not a container', `https://contosodevices.blob.core.windows.net/devices-out/devices.txt?sig=${SIG}`],
    ['an invalid container name', `https://contosodevices.blob.core.windows.net/Out_Box?sig=${SIG}`],
    ['user credentials', `https://user:pw@contosodevices.blob.core.windows.net/devices-out?sig=${SIG}`],
  ])('refuses a container URI that is %s', (_, uri) => {
    const found = problems({ type: 'EXPORT', outputBlobContainerUri: uri });
    expect(Object.keys(found)).toEqual(['outputBlobContainerUri']);
  });

  it('accepts the special $root container', () => {
    expect(() => parseCreate({ type: 'EXPORT', outputBlobContainerUri: sas('$root') })).not.toThrow();
  });

  it('checks option combinations and types', () => {
    expect(
      problems({
        type: 'export',
        outputBlobContainerUri: 42,
        configurationsBlobName: 'c.txt',
        storageAuthenticationType: 'SAS',
        surprise: true,
      }),
    ).toEqual({
      surprise: 'is not a field of IotHubCreateJobInput',
      type: 'must be IMPORT or EXPORT',
      outputBlobContainerUri: 'must be a string',
      storageAuthenticationType: 'must be KEY_BASED or IDENTITY_BASED',
      configurationsBlobName: 'is used only with includeConfigurations: true',
    });
    expect(
      problems({ type: 'EXPORT', outputBlobContainerUri: sas('devices-out'), userAssignedIdentity: IDENTITY }),
    ).toEqual({ userAssignedIdentity: 'is used only with storageAuthenticationType IDENTITY_BASED' });
    expect(
      Object.keys(
        problems({
          type: 'EXPORT',
          outputBlobContainerUri: plain('devices-out'),
          storageAuthenticationType: 'IDENTITY_BASED',
          userAssignedIdentity: 'hub-import',
          outputBlobName: '/devices.txt',
        }),
      ),
    ).toEqual(['outputBlobName', 'userAssignedIdentity']);
  });
});
