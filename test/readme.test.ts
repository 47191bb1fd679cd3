/**
 * The README's GraphQL examples are what new users paste first: each one must parse and validate against the
 * schema the gateway serves, so the docs cannot drift from the code.
 */
import { readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../src/graphql/schema.js';
import { registry } from '../src/registry.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** A block holds several operations one after another; each `{`, `query`, `mutation` or `subscription` at column 0 starts one. */
function operations(block: string): string[] {
  const starts = [...block.matchAll(/^(?:\{|query\b|mutation\b|subscription\b)/gm)].map((m) => m.index!);
  return starts.map((start, i) => block.slice(start, starts[i + 1] ?? block.length).trim());
}

describe('README examples', () => {
  const schema = buildSchema(registry);
  const examples = blocks.flatMap(operations);

  it('has GraphQL examples for queries, mutations and subscriptions', () => {
    expect(examples.some((e) => e.startsWith('{'))).toBe(true);
    expect(examples.some((e) => e.startsWith('mutation'))).toBe(true);
    expect(examples.some((e) => e.startsWith('subscription'))).toBe(true);
  });

  it.each(examples.map((e) => [e.split('\n')[0]!.slice(0, 70), e]))('%s', (_title, example) => {
    const errors = validate(schema, parse(example));
    expect(errors.map((e) => e.message)).toEqual([]);
  });
});
