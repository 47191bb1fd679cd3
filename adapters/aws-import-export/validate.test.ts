import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/sdk/index.js';
import { thrown } from '../../test/helpers/thrown.js';
import {
  normalizeManifestText,
  parseCreate,
  parseManifest,
  parseUpdate,
  renderManifest,
  sameManifest,
  withAccessKeyId,
} from './validate.js';
import { decodeResult } from './wire.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const importManifest = fixture('manifest-import-guide.txt');
const exportManifest = fixture('manifest-export-guide.txt');

const problemsOf = (run: () => unknown) => thrown(run, InvalidInputError).problems;

/** The guide's import manifest with one line replaced (or removed when `to` is null). */
const editImport = (from: RegExp, to: string | null) => importManifest.replace(from, to ?? '').replace(/\n\n+/g, '\n');

describe('the Developer Guide manifests', () => {
  it('accepts the import example and keeps every value a string', () => {
    const input = parseCreate({ jobType: 'IMPORT', manifest: importManifest });
    expect(input.jobType).toBe('Import');
    expect(input.manifestAddendum).toBeNull();
    expect(input.manifest).toMatchObject({
      manifestVersion: '2.0',
      bucket: 'myBucket',
      eraseDevice: 'no',
      returnAddress: { postalCode: '91111', city: 'Seattle' },
    });
  });

  it('accepts the export example written as key:value without spaces', () => {
    const input = parseCreate({ jobType: 'EXPORT', manifest: exportManifest, manifestAddendum: 'x' });
    expect(input.jobType).toBe('Export');
    expect(input.manifestAddendum).toBe('x');
    expect(input.manifest).toMatchObject({
      manifestVersion: '2.0',
      fileSystem: 'NTFS',
      operations: [{ exportBucket: 'mybucket' }],
      returnAddress: { name: 'Your Name', postalCode: 'Your Postal/Zip Code' },
    });
  });

  it('accepts the manifest of the CLI get-status example, which has no accessKeyId', () => {
    const manifest = decodeResult('GetStatus', fixture('get-status-cli-example.xml'))?.CurrentManifest ?? '';
    expect(parseCreate({ jobType: 'IMPORT', manifest }).manifest).toMatchObject({
      deviceId: '49382',
      returnAddress: { street2: '', country: 'USA' },
    });
  });

  it('adds the space only after a key at the start of a line', () => {
    expect(normalizeManifestText('a:b\n  - c:d\ne: f:g\nh: http://x')).toBe('a: b\n  - c: d\ne: f:g\nh: http://x');
  });
});

describe('parseCreate problems, each with its field path and the AWS error code', () => {
  it('names both required fields of an empty input', () => {
    expect(problemsOf(() => parseCreate({})).map((p) => p.field)).toEqual(['jobType', 'manifest']);
    expect(problemsOf(() => parseCreate({ jobType: 'DISK', manifest: 'x: y' }))[0]?.field).toBe('jobType');
  });

  it.each([
    ['not YAML', 'manifestVersion: 2.0\n  bucket: [unclosed', 'manifest', 'MalformedManifestException'],
    ['not a mapping', '- just\n- a list', 'manifest', 'MalformedManifestException'],
    ['duplicate keys', `${importManifest}bucket: other\n`, 'manifest', 'MalformedManifestException'],
    ['missing bucket', editImport(/^bucket:.*$/m, null), 'manifest.bucket', 'MissingManifestFieldException'],
    ['missing deviceId', editImport(/^deviceId:.*$/m, null), 'manifest.deviceId', 'MissingManifestFieldException'],
    [
      'missing returnAddress',
      importManifest.replace(/returnAddress:[\s\S]*$/, ''),
      'manifest.returnAddress',
      'MissingManifestFieldException',
    ],
    ['missing city', editImport(/^ {2}city:.*$/m, null), 'manifest.returnAddress.city', 'InvalidAddressException'],
    [
      'version 3.0',
      editImport(/^manifestVersion:.*$/m, 'manifestVersion: 3.0'),
      'manifest.manifestVersion',
      'InvalidManifestFieldException',
    ],
    ['bad bucket', editImport(/^bucket:.*$/m, 'bucket: -no good-'), 'manifest.bucket', 'InvalidManifestFieldException'],
    [
      'bad eraseDevice',
      editImport(/^eraseDevice:.*$/m, 'eraseDevice: maybe'),
      'manifest.eraseDevice',
      'InvalidManifestFieldException',
    ],
    [
      'export field in an import',
      `${importManifest}fileSystem: NTFS\n`,
      'manifest.fileSystem',
      'InvalidManifestFieldException',
    ],
    [
      'bad notification list',
      `${importManifest}notificationEmail: a@b.c;nope\n`,
      'manifest.notificationEmail',
      'InvalidManifestFieldException',
    ],
    ['customs not a mapping', `${importManifest}customs: yes\n`, 'manifest.customs', 'InvalidCustomsException'],
    [
      'long logPrefix',
      `${importManifest}logPrefix: ${'p'.repeat(1009)}\n`,
      'manifest.logPrefix',
      'InvalidManifestFieldException',
    ],
  ])('%s', (_case, manifest, field, code) => {
    const problems = problemsOf(() => parseCreate({ jobType: 'IMPORT', manifest }));
    expect(problems).toContainEqual({ field, message: expect.stringContaining(code), providerCode: code });
  });

  it.each([
    [
      'unknown file system',
      exportManifest.replace('fileSystem:NTFS', 'fileSystem:HFS'),
      'manifest.fileSystem',
      'InvalidFileSystemException',
    ],
    [
      'no operations',
      exportManifest.replace(/operations:\n.*\n/, ''),
      'manifest.operations',
      'MissingManifestFieldException',
    ],
    [
      'bad export bucket',
      exportManifest.replace('exportBucket:mybucket', 'exportBucket:x'),
      'manifest.operations[0].exportBucket',
      'InvalidManifestFieldException',
    ],
    [
      'missing logBucket',
      exportManifest.replace('logBucket:mybucket\n', ''),
      'manifest.logBucket',
      'MissingManifestFieldException',
    ],
    [
      'import field in an export',
      `${exportManifest}bucket: mybucket\n`,
      'manifest.bucket',
      'InvalidManifestFieldException',
    ],
  ])('export: %s', (_case, manifest, field, code) => {
    const problems = problemsOf(() => parseCreate({ jobType: 'EXPORT', manifest }));
    expect(problems).toContainEqual({ field, message: expect.stringContaining(code), providerCode: code });
  });

  it('lists every problem at once and never echoes a value', () => {
    const secret = 'Tr0ub4dor&3-secret';
    const manifest = editImport(/^eraseDevice:.*$/m, `eraseDevice: ${secret}\nacl: ${secret}\nserviceLevel: ${secret}`);
    const problems = problemsOf(() => parseCreate({ jobType: 'IMPORT', manifest }));
    expect(problems.map((p) => p.field).sort()).toEqual([
      'manifest.acl',
      'manifest.eraseDevice',
      'manifest.serviceLevel',
    ]);
    expect(JSON.stringify(problems)).not.toContain(secret);
  });
});

describe('updates and the manifest sent', () => {
  it('parses an update as the UPDATE action with the job type AWS requires', () => {
    expect(parseUpdate({ jobType: 'EXPORT', manifest: exportManifest })).toMatchObject({
      action: 'UPDATE',
      patch: { jobType: 'Export', manifest: { deviceId: 'HD001' } },
    });
    expect(problemsOf(() => parseUpdate({ manifest: exportManifest }))[0]?.field).toBe('jobType');
  });

  it('fills in the signing key id after manifestVersion, and leaves a given one alone', () => {
    const { manifest } = parseCreate({ jobType: 'IMPORT', manifest: editImport(/^accessKeyId:.*$/m, null) });
    expect(manifest.accessKeyId).toBeUndefined();
    const sent = withAccessKeyId(manifest, 'AKIDEXAMPLE000000000');
    expect(Object.keys(sent).slice(0, 2)).toEqual(['manifestVersion', 'accessKeyId']);
    expect(withAccessKeyId(sent, 'OTHERKEY00000000000').accessKeyId).toBe('AKIDEXAMPLE000000000');
  });

  it('renders YAML that parses back to the same fields, with 2.0 and no unquoted', () => {
    const { manifest } = parseCreate({ jobType: 'EXPORT', manifest: exportManifest });
    const text = renderManifest(manifest);
    expect(text).toContain('manifestVersion: 2.0\n');
    const again = parseManifest(text);
    expect('fields' in again && sameManifest(again.fields, manifest)).toBe(true);
  });
});
