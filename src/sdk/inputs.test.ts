/** zod issues → InputProblems: paths as the gateway spells them, and no message quoting a value. */

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseInput, throwInputProblems } from './inputs.js';
import { InvalidInputError } from './model.js';
import { BYTES, COUNT, inRange, PERCENT } from './ranges.js';

const problemsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.problems;
    throw error;
  }
  throw new Error('expected InvalidInputError');
};

describe('parseInput', () => {
  const schema = z
    .object({
      name: z.string().min(2),
      drives: z.array(z.object({ key: z.string().regex(/^\d+$/, 'must be digits') }).strict()).max(2),
      kind: z.enum(['IMPORT', 'EXPORT']),
    })
    .strict();
  const SECRET = 'sv=2021&sig=c2VjcmV0';

  it('names every bad field by its path, one problem per unknown key, and never quotes a value', () => {
    const problems = problemsOf(() =>
      parseInput(schema, {
        name: 7,
        drives: [{ key: SECRET }, { key: '1', extra: SECRET }],
        kind: SECRET,
        other: SECRET,
        more: 1,
      }),
    );
    expect(problems).toEqual([
      { field: 'name', message: 'must be a string' },
      { field: 'drives[0].key', message: 'must be digits' },
      { field: 'drives[1].extra', message: 'is not a known field' },
      { field: 'kind', message: 'must be one of IMPORT, EXPORT' },
      { field: 'other', message: 'is not a known field' },
      { field: 'more', message: 'is not a known field' },
    ]);
    expect(JSON.stringify(problems)).not.toContain('c2VjcmV0');
  });

  it('says what is missing, names the root when the input is not an object, and returns parsed data', () => {
    expect(problemsOf(() => parseInput(schema, { drives: [] }))).toEqual([
      { field: 'name', message: 'is required' },
      { field: 'kind', message: 'is required' },
    ]);
    expect(problemsOf(() => parseInput(schema, 'text', 'input'))).toEqual([
      { field: 'input', message: 'must be an object' },
    ]);
    expect(parseInput(schema, { name: 'ab', drives: [], kind: 'IMPORT' })).toEqual({
      name: 'ab',
      drives: [],
      kind: 'IMPORT',
    });
  });

  it('throwInputProblems keeps the first problem of each field', () => {
    expect(
      problemsOf(() =>
        throwInputProblems([
          { field: 'a', message: 'first' },
          { field: 'a', message: 'second' },
          { field: 'b', message: 'other' },
        ]),
      ),
    ).toEqual([
      { field: 'a', message: 'first' },
      { field: 'b', message: 'other' },
    ]);
    expect(() => throwInputProblems([])).not.toThrow();
  });
});

describe('inRange', () => {
  it.each([
    [PERCENT, 42.5, 42.5],
    [PERCENT, 140, 100],
    [PERCENT, -3, 0],
    [PERCENT, '55', 55],
    [PERCENT, Number.POSITIVE_INFINITY, null],
    [PERCENT, Number.NaN, null],
    [PERCENT, '', null],
    [PERCENT, 'half', null],
    [PERCENT, true, null],
    [PERCENT, null, null],
    [COUNT, 3, 3],
    [COUNT, 3.7, 3],
    [COUNT, -1, null],
    [COUNT, 2 ** 31, null],
    [BYTES, 5e12, 5e12],
    [BYTES, -1, null],
    [BYTES, 1e300, null],
    [BYTES, JSON.parse('1e999'), null],
  ])('%o: %o → %o', (range, value, expected) => {
    expect(inRange(value, range)).toBe(expected);
  });
});
