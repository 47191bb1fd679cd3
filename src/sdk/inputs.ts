/**
 * zod issues → InputProblems, for adapters' `parseCreate` / `parseUpdate`: field paths spelled as the
 * gateway reports them (`driveList[0].driveId`), one problem per unknown key, and messages written from the
 * rule alone. Inputs carry secrets (BitLocker keys, SAS tokens, manifests), so no message quotes a value.
 */
import type { z } from 'zod';
import { formatFieldPath, type InputProblem, InvalidInputError } from './model.js';

const describeType = (expected: string) =>
  expected === 'array' ? 'a list' : expected === 'object' ? 'an object' : `a ${expected}`;

/**
 * Messages for zod's own issues that never repeat the input (pass as `safeParse(value, { error })`). A
 * message given in the schema (`refine(…, 'must be …')`, `{ error: '…' }`) still wins.
 */
export const inputErrorMap: z.core.$ZodErrorMap = (issue) => {
  const missing = issue.input === undefined || issue.input === null;
  switch (issue.code) {
    case 'invalid_type':
      return missing ? 'is required' : `must be ${describeType(issue.expected)}`;
    case 'invalid_value':
      if (missing) return 'is required';
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'unrecognized_keys':
      return 'is not a known field';
    default:
      return 'is invalid';
  }
};

/** Every issue of a failed parse as an InputProblem; `root` names the whole input when a path is empty. */
export function inputProblemsFromZod(error: z.ZodError | undefined, root = '(input)'): InputProblem[] {
  if (!error) return [];
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: formatFieldPath([...issue.path, key]), message: issue.message }))
      : [{ field: formatFieldPath(issue.path) || root, message: issue.message }],
  );
}

/** Throws InvalidInputError when there are problems, one per field: the first found for a field wins. */
export function throwInputProblems(problems: readonly InputProblem[]): void {
  if (problems.length === 0) return;
  const byField = new Map<string, InputProblem>();
  for (const problem of problems) if (!byField.has(problem.field)) byField.set(problem.field, problem);
  throw new InvalidInputError([...byField.values()]);
}

/** The parsed value, or InvalidInputError listing every problem zod found (messages free of values). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root?: string): z.output<S> {
  const result = schema.safeParse(input, { error: inputErrorMap });
  if (!result.success) throwInputProblems(inputProblemsFromZod(result.error, root));
  return result.data as z.output<S>;
}
