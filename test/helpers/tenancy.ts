/**
 * The tenancy matrix of the security suite: every query, mutation and subscription path that names an account
 * or a job, tried against a job of an account the principal may see (allowed), of one it may not see
 * (forbidden), and of one that is not configured at all (nonexistent). A forbidden target must be answered
 * exactly like a nonexistent one: same status, same codes, same message and extensions once the names are
 * swapped for placeholders.
 */
import { sampleCreateInput as awsSample } from '../../adapters/aws-import-export/test-inputs.js';
import { sampleCreateInput as azureSample } from '../../adapters/azure-import-export/test-inputs.js';
import { sampleCreateInput as iotSample } from '../../adapters/iot-hub/test-inputs.js';
import type { HttpAnswer } from './security.js';

export type TargetKind = 'allowed' | 'forbidden' | 'nonexistent';

/** What a path is aimed at: an account (and its provider) and one of its jobs. */
export interface Target {
  kind: TargetKind;
  account: string;
  provider: string;
  nativeId: string;
  /** The job's global id. */
  id: string;
}

type Body = HttpAnswer<Record<string, unknown>>['body'];

/** A read path aimed at one target: what the allowed target must show, what the others must not. */
export interface ReadPath {
  name: string;
  query: string;
  variables(target: Target): Record<string, unknown>;
  /** Refused with NOT_FOUND (a job or account named), or an empty answer (a filter naming it). */
  refusal: 'NOT_FOUND' | 'empty';
  /** The answer shows the target's job or jobs. */
  shows(body: Body, target: Target): boolean;
  /** Whether it may read the provider live (maxAge): a forbidden target must cost no provider call. */
  live?: boolean;
}

const ACCOUNT_JOBS = '{ totalCount edges { node { id account } } }';
const data = (body: Body) => (body.data ?? {}) as Record<string, unknown>;
const jobAt = (body: Body, field: string) => data(body)[field] as { id?: string; account?: string } | null;
const connection = (body: Body) =>
  data(body).jobs as { totalCount: number; edges: { node: { id: string; account: string } }[] } | undefined;
const listsOnly = (body: Body, target: Target) => {
  const jobs = connection(body);
  return !!jobs && jobs.totalCount > 0 && jobs.edges.every((e) => e.node.account === target.account);
};

const byId = (name: string, field: string, args = ''): ReadPath => ({
  name,
  query: `query ($id: ID!) { ${field}(id: $id${args}) { id ... on Job { account } } }`,
  variables: (t) => ({ id: t.id }),
  refusal: 'NOT_FOUND',
  shows: (body, t) => jobAt(body, field)?.id === t.id,
  live: args.includes('maxAge'),
});

export const READ_PATHS: readonly ReadPath[] = [
  byId('job', 'job'),
  byId('job (maxAge: 0)', 'job', ', maxAge: 0'),
  byId('node', 'node'),
  {
    name: 'nodes',
    query: 'query ($id: ID!) { nodes(ids: [$id]) { id } }',
    variables: (t) => ({ id: t.id }),
    refusal: 'NOT_FOUND',
    shows: (body, t) => (data(body).nodes as ({ id: string } | null)[] | undefined)?.[0]?.id === t.id,
  },
  ...[
    ['jobByNativeId', ''],
    ['jobByNativeId (maxAge: 0)', ', maxAge: 0'],
  ].map(
    ([name, args]): ReadPath => ({
      name: name!,
      query: `query ($account: String!, $nativeId: String!) { jobByNativeId(account: $account, nativeId: $nativeId${args}) { id } }`,
      variables: (t) => ({ account: t.account, nativeId: t.nativeId }),
      refusal: 'NOT_FOUND',
      shows: (body, t) => jobAt(body, 'jobByNativeId')?.id === t.id,
      live: args !== '',
    }),
  ),
  {
    name: 'Job.history',
    query: 'query ($id: ID!) { job(id: $id) { history { to at } } }',
    variables: (t) => ({ id: t.id }),
    refusal: 'NOT_FOUND',
    shows: (body) => Array.isArray((jobAt(body, 'job') as { history?: unknown } | null)?.history),
  },
  ...[
    ['jobs by account', 'accounts: [$name]', ''],
    ['jobs by account (maxAge: 0)', 'accounts: [$name]', ', maxAge: 0'],
    ['jobs by provider', 'providers: [$name]', ''],
  ].map(
    ([name, filter, args]): ReadPath => ({
      name: name!,
      query: `query ($name: String!) { jobs(first: 1000, filter: { ${filter} }${args}) ${ACCOUNT_JOBS} }`,
      variables: (t) => ({ name: filter!.startsWith('accounts') ? t.account : t.provider }),
      refusal: 'empty',
      shows: listsOnly,
      live: args !== '',
    }),
  ),
];

/** A mutation aimed at one target; `action` is what the role must allow (else 403 FORBIDDEN before it runs). */
export interface MutationPath {
  name: string;
  action: 'create' | 'update' | 'cancel' | 'delete';
  query: string;
  variables(target: Target): Record<string, unknown>;
}

const PAYLOAD = '{ errors { code field message } }';
export const MUTATION_PATHS: readonly MutationPath[] = [
  // No provider branch: the allowed account answers BAD_USER_INPUT for it; the others must not get that far.
  {
    name: 'createJob',
    action: 'create',
    query: `mutation ($account: String!) { createJob(input: { account: $account }) ${PAYLOAD} }`,
    variables: (t) => ({ account: t.account }),
  },
  {
    name: 'updateJob',
    action: 'update',
    query: `mutation ($id: ID!) { updateJob(input: { id: $id }) ${PAYLOAD} }`,
    variables: (t) => ({ id: t.id }),
  },
  {
    name: 'cancelJob',
    action: 'cancel',
    query: `mutation ($id: ID!) { cancelJob(id: $id) ${PAYLOAD} }`,
    variables: (t) => ({ id: t.id }),
  },
  // Last: on the allowed job it may really delete it.
  {
    name: 'deleteJob',
    action: 'delete',
    query: `mutation ($id: ID!) { deleteJob(id: $id) ${PAYLOAD} }`,
    variables: (t) => ({ id: t.id }),
  },
];

/** The errors a mutation payload carries (its one root field), or undefined when the mutation did not run. */
export function payloadErrors(body: Body): { code: string; field: string | null; message: string }[] | undefined {
  const root = Object.values(data(body))[0] as { errors?: { code: string; field: string | null; message: string }[] };
  return root?.errors;
}

/** An answer with the target's names replaced by placeholders, for comparing forbidden and nonexistent answers. */
export function normalized(answer: { status: number; body: unknown }, target: Target): string {
  return [target.id, target.nativeId, target.account, target.provider].reduce(
    (text, name, i) => text.replaceAll(name, ['<id>', '<job>', '<account>', '<provider>'][i]!),
    JSON.stringify({ status: answer.status, body: answer.body }),
  );
}

export const EVENTS_SUBSCRIPTION =
  'subscription ($filter: JobEventFilter, $after: String) { jobEvents(filter: $filter, after: $after) { cursor kind jobId job { account } } }';

/** The event filters aimed at a target; forbidden and nonexistent ones must deliver nothing, and no error. */
export const EVENT_FILTERS: readonly { name: string; filter(target: Target): Record<string, unknown> }[] = [
  { name: 'jobEvents by account', filter: (t) => ({ accounts: [t.account] }) },
  { name: 'jobEvents by job id', filter: (t) => ({ jobIds: [t.id] }) },
  { name: 'jobEvents by provider', filter: (t) => ({ providers: [t.provider] }) },
];

/** A valid create input per provider, for making events on demand (the adapters' own test inputs). */
export const SAMPLE_CREATE_INPUTS: Readonly<Record<string, () => Record<string, unknown>>> = {
  'azure-import-export': azureSample,
  'aws-import-export': awsSample,
  'iot-hub': iotSample,
};

/** How a forbidden or nonexistent target was answered on a read path: its error code, `empty`, or `shown`. */
export function refusalOf(body: Body, path: ReadPath, target: Target): string {
  if (path.shows(body, target)) return 'shown';
  if (path.refusal === 'empty') {
    const jobs = connection(body);
    return !body.errors && jobs?.totalCount === 0 && jobs.edges.length === 0 ? 'empty' : 'shown';
  }
  return String(body.errors?.[0]?.extensions?.code);
}
