/**
 * graphql-js echoes invalid input values in its error messages; the gateway must not, because mutation input
 * carries keys and SAS tokens. Real HTTP against the gateway, with a "secret" in every wrongly typed place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './helpers/servers.js';

const SECRET = 'S3CRET-0123456789-abcdef';

describe('input errors never echo the value', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway({ seedJobs: 1 });
  });
  afterAll(() => t?.dispose());

  const expectClean = (res: { errors?: { message: string; extensions?: Record<string, unknown> }[] }) => {
    expect(res.errors?.length).toBeGreaterThan(0);
    for (const error of res.errors!) expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res)).not.toContain(SECRET);
    expect(t.logs.join('\n')).not.toContain(SECRET);
  };

  it('a wrongly typed variable deep in an input object: keeps the path, drops the value', async () => {
    const res = await t.query('query($f: JobFilter) { jobs(filter: $f) { totalCount } }', {
      f: { providers: [{ key: SECRET }] },
    });
    expectClean(res);
    expect(res.errors![0]!.message).toBe(
      'Variable "$f" got an invalid value at "f.providers[0]"; String cannot represent a non string value.',
    );
  });

  it('a missing required field and an unknown field next to a secret', async () => {
    const res = await t.query('mutation($i: CreateJobInput!) { createJob(input: $i) { dryRun } }', {
      i: { bogus: SECRET, dryRun: true },
    });
    expectClean(res);
    const messages = res.errors!.map((e) => e.message);
    expect(messages).toContainEqual(
      expect.stringContaining('Field "account" of required type "String!" was not provided.'),
    );
    expect(messages).toContainEqual(expect.stringContaining('Field "bogus" is not defined by type "CreateJobInput".'));
  });

  it('a wrongly typed literal in the document', async () => {
    const res = await t.query(`{ jobs(first: "${SECRET}") { totalCount } }`);
    expectClean(res);
    expect(res.errors![0]!.message).toBe('Int cannot represent non-integer value.');
  });

  it('an unknown enum value, in a variable and in the document: keeps the suggestions, drops the value', async () => {
    const variable = await t.query('mutation($i: CreateJobInput!) { createJob(input: $i) { dryRun } }', {
      i: { account: 'sandbox-iot-hub', iotHub: { type: SECRET, outputBlobContainerUri: 'https://a.example/c' } },
    });
    expectClean(variable);
    expect(variable.errors![0]!.message).toBe(
      'Variable "$i" got an invalid value at "i.iotHub.type"; Value does not exist in "JobType" enum.',
    );
    const asName = SECRET.replace(/-/g, '_');
    const literal = await t.query(`{ jobs(filter: { states: [${asName}] }) { totalCount } }`);
    expectClean(literal);
    expect(JSON.stringify(literal)).not.toContain(asName);
    expect(literal.errors!.map((e) => e.message)).toEqual(['Value does not exist in "JobState" enum.']);
    const near = await t.query('{ jobs(filter: { types: [EXPORTT] }) { totalCount } }');
    expect(near.errors![0]!.message).toBe(
      'Value does not exist in "JobType" enum. Did you mean the enum value "EXPORT" or "IMPORT"?',
    );
  });

  it('a malformed date-time, in a variable and in the document', async () => {
    const variable = await t.query('query($d: DateTime) { jobs(filter: { updatedSince: $d }) { totalCount } }', {
      d: SECRET,
    });
    expectClean(variable);
    expect(variable.errors![0]!.message).toMatch(/^Variable "\$d" got an invalid value; Not an ISO 8601 date-time/);
    expectClean(await t.query(`{ jobs(filter: { updatedSince: "${SECRET}" }) { totalCount } }`));
  });
});
