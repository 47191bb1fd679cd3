/**
 * The gateway's one config file (YAML or JSON): `${ENV}` interpolation, then validation with zod — the
 * top level here, each `providers[]` entry by its adapter's own schema. Every problem becomes one line
 * `path: what is wrong`; values are never echoed, so a secret in a bad field cannot leak into the message.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { authSchema } from './auth/config.js';
import { type AdapterRegistry, adapterFor, formatFieldPath } from './sdk/index.js';
import { corsSchema, limitsSchema } from './server/config.js';
import { DEFAULT_CACHE_JOBS } from './store/types.js';
import { metricsSchema, telemetrySchema } from './telemetry/config.js';

const millis = (min: number, max: number) => z.number().int().min(min).max(max);

/** PostgreSQL: several gateway instances share one index and log (one poller per account, through leases). */
const postgresStoreSchema = z
  .object({
    kind: z.literal('postgres'),
    /** postgres://user:password@host:port/database; use ${ENV} for the password. Never logged. */
    url: z.string().regex(/^postgres(ql)?:\/\/./, 'must be a postgres:// or postgresql:// URL'),
    /** Connections per instance (plus one that listens for the other instances' commits). */
    poolSize: z.number().int().min(1).max(1_000).default(10),
    /** The server cancels a statement running longer. */
    statementTimeoutMs: millis(100, 3_600_000).default(15_000),
    /** TLS: true (verified with the system's CAs), or a CA (PEM), client certificate and key, options. */
    ssl: z
      .union([
        z.boolean(),
        z
          .object({
            ca: z.string().optional(),
            cert: z.string().optional(),
            key: z.string().optional(),
            rejectUnauthorized: z.boolean().default(true),
            servername: z.string().optional(),
          })
          .strict(),
      ])
      .optional(),
    /**
     * How long an instance's lease on an account (it alone polls it) lasts without renewal; renewed every third
     * of it. When an instance dies, another takes its accounts within this time.
     */
    leaseTtlMs: millis(1_000, 600_000).default(15_000),
    /** Each instance reads the log this often even when no commit notification came (a lost one). */
    catchUpIntervalMs: millis(100, 600_000).default(2_000),
  })
  .strict();

const storeSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('sqlite'),
      path: z.string().min(1).default('.crossdock/crossdock.sqlite'),
      /**
       * What the index answered since its last write, kept in memory (weight: a job or a history 1, a page of
       * `jobs` 1 + its jobs); 0 reads every time from the file.
       */
      cacheJobs: z.number().int().min(0).max(1_000_000).default(DEFAULT_CACHE_JOBS),
    })
    .strict(),
  z.object({ kind: z.literal('memory') }).strict(),
  postgresStoreSchema,
]);

/**
 * How the gateway polls each account (one poller per account, whatever the number of subscribers). A round
 * lists the account's jobs; the delay to the next round depends on the states its jobs are in.
 */
const pollingSchema = z
  .object({
    /** false: no timers; rounds run only on demand (`pollNow`, a read of an account never observed, `maxAge`). */
    enabled: z.boolean().default(true),
    intervalMs: z
      .object({
        /** While any job is RECEIVED, TRANSFERRING or PACKAGING. */
        active: millis(100, 86_400_000).default(30_000),
        /** Otherwise (CREATING, SHIPPING, no jobs): also how soon jobs created elsewhere are discovered. */
        waiting: millis(100, 86_400_000).default(300_000),
        /** How often a provider that needs one call per job re-reads a job in a terminal state. */
        terminal: millis(100, 7 * 86_400_000).default(3_600_000),
      })
      .strict()
      .prefault({}),
    /** Each delay is randomly stretched or shrunk by up to this fraction, so accounts do not poll in lockstep. */
    jitter: z.number().min(0).max(0.5).default(0.1),
    /** After a failed round: initialMs, doubling per consecutive failure up to maxMs (Retry-After wins if longer). */
    backoff: z
      .object({ initialMs: millis(10, 3_600_000).default(5_000), maxMs: millis(10, 86_400_000).default(600_000) })
      .strict()
      .prefault({}),
    /** Provider calls (listing pages, batches of lookups, read-throughs) of all accounts at the same time. */
    maxConcurrentCalls: z.number().int().min(1).max(64).default(4),
    /** Job ids per getJobs call, for providers whose listing carries no details. */
    batchSize: z.number().int().min(1).max(1_000).default(25),
    /**
     * Per account: after this many provider calls in a row fail as unavailable (timeouts, refused connections,
     * 5xx), the circuit opens and the account gets no calls for halfOpenAfterMs; then one call probes it.
     */
    circuitBreaker: z
      .object({
        consecutiveFailures: z.number().int().min(1).max(1_000).default(5),
        halfOpenAfterMs: millis(100, 86_400_000).default(30_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

/** How reads use the job index. */
const readsSchema = z
  .object({
    /** How long a job id the provider said it does not know is answered NOT_FOUND without asking again. */
    notFoundTtlMs: millis(0, 3_600_000).default(30_000),
    /** Unknown job ids remembered per account (the oldest are forgotten first). */
    notFoundCacheSize: z.number().int().min(1).max(1_000_000).default(10_000),
  })
  .strict()
  .prefault({});

const eventsSchema = z
  .object({
    /** How long the event log keeps events (replay window for `after` cursors). State transitions stay longer, for Job.history. */
    retentionMs: millis(1_000, 366 * 86_400_000).default(7 * 86_400_000),
    /** Live events queued for one subscriber before it is told SLOW_CONSUMER. */
    subscriberQueueLimit: z.number().int().min(1).max(1_000_000).default(1_000),
  })
  .strict()
  .prefault({});

export type PollingConfig = z.infer<typeof pollingSchema>;
export type ReadsConfig = z.infer<typeof readsSchema>;
export type EventsConfig = z.infer<typeof eventsSchema>;

const topLevelSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(4000),
        /** The web dashboard at /dashboard/. */
        dashboard: z.boolean().default(true),
        /** GraphiQL for browsers at GET /graphql (served only while introspection is on). */
        explorer: z.boolean().default(true),
        /** Browser origins allowed (CORS, websocket Origin check). */
        cors: corsSchema,
        /**
         * Serve the schema as an Apollo Federation v2 subgraph (`_service`, `_entities`; Job and ProviderAccount are
         * entities), for a supergraph router in front. Subscriptions stay on the gateway's own websocket.
         */
        federation: z.boolean().default(false),
        /**
         * Documents kept parsed and validated, by their text: HTTP queries compiled (graphql-jit) and answered
         * without Apollo's request pipeline, and websocket subscriptions sharing one document; 0 keeps none
         * (every HTTP request goes through Apollo's pipeline).
         */
        preparedQueries: z.number().int().min(0).max(100_000).default(1_000),
      })
      .strict()
      .prefault({}),
    /** Who may call the gateway. Absent: open, and only a loopback host may be served. */
    auth: authSchema.optional(),
    /** Request limits, refused before execution. */
    limits: limitsSchema,
    store: storeSchema.default({ kind: 'sqlite', path: '.crossdock/crossdock.sqlite', cacheJobs: DEFAULT_CACHE_JOBS }),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Every provider call is aborted after this. */
    providerTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
    /** PEM trusted for every account in addition to the system store (the sandbox prints it). */
    caCertificate: z.string().optional(),
    providers: z.array(z.object({ kind: z.string(), account: z.string() }).loose()).min(1, 'list at least one account'),
    polling: pollingSchema,
    reads: readsSchema,
    events: eventsSchema,
    /** Prometheus metrics at /metrics. */
    metrics: metricsSchema,
    /** OpenTelemetry traces (off by default). */
    telemetry: telemetrySchema,
  })
  .strict();

export type GatewayConfig = Omit<z.infer<typeof topLevelSchema>, 'providers'> & {
  providers: ({ kind: string; account: string } & Record<string, unknown>)[];
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid config:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const formatPath = (path: readonly PropertyKey[]) => formatFieldPath(path) || '(root)';

/** Replaces `${NAME}` and `${NAME:-default}` in every string; an unset variable without default is a problem. */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: string[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => {
      const found = env[name];
      if (found !== undefined) return found;
      if (fallback !== undefined) return fallback;
      problems.push(`${formatPath(path)}: environment variable ${name} is not set`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, problems, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, problems, [...path, k])]),
    );
  }
  return value;
}

export function parseConfig(
  raw: unknown,
  registry: AdapterRegistry,
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig {
  const problems: string[] = [];
  const interpolated = interpolateEnv(raw ?? {}, env, problems);
  if (problems.length) throw new ConfigError(problems);

  const top = topLevelSchema.safeParse(interpolated);
  if (!top.success) problems.push(...top.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  // Provider entries are checked even when the top level is bad, so one run lists every bad field.
  const entries = top.success ? top.data.providers : wellFormedEntries(interpolated);
  const seen = new Set<string>();
  const providers = entries.map((entry, index) => {
    if (!entry) return entry;
    const adapter = adapterFor(registry, entry.kind);
    if (!adapter) {
      problems.push(
        `providers[${index}].kind: unknown provider "${entry.kind}" (known: ${registry.adapters.map((a) => a.kind).join(', ')})`,
      );
      return entry;
    }
    if (seen.has(entry.account)) problems.push(`providers[${index}].account: "${entry.account}" is used twice`);
    seen.add(entry.account);
    const parsed = adapter.configSchema.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${formatPath(['providers', index, ...issue.path])}: ${issue.message}`);
      return entry;
    }
    return parsed.data as GatewayConfig['providers'][number];
  });
  if (problems.length || !top.success) throw new ConfigError(problems);
  return { ...top.data, providers: providers as GatewayConfig['providers'] };
}

/**
 * The `providers[]` entries the top-level schema would accept, at their own index; null for the others
 * (the top-level issues already name them).
 */
function wellFormedEntries(config: unknown): (GatewayConfig['providers'][number] | null)[] {
  const list = (config as { providers?: unknown } | null)?.providers;
  if (!Array.isArray(list)) return [];
  return list.map((e) =>
    typeof e === 'object' && e !== null && typeof e.kind === 'string' && typeof e.account === 'string' ? e : null,
  );
}

export const DEFAULT_CONFIG_FILE = 'crossdock.config.yaml';

/** Reads `file`, or `crossdock.config.yaml` in the working directory; undefined when neither exists (→ sandbox). */
export function loadConfigFile(
  file: string | undefined,
  registry: AdapterRegistry,
  cwd = process.cwd(),
): GatewayConfig | undefined {
  const path = file ? resolve(cwd, file) : resolve(cwd, DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (file) throw new ConfigError([`${file}: no such file`]);
    return undefined;
  }
  const name = file ?? DEFAULT_CONFIG_FILE;
  if (statSync(path).isDirectory()) throw new ConfigError([`${name}: is a directory, not a config file`]);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ConfigError([
      `${name}: cannot be read (${code === 'EACCES' ? 'permission denied' : (code ?? 'read error')})`,
    ]);
  }
  let raw: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both kinds of file.
    raw = YAML.parse(text);
  } catch (error) {
    const where = (error as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new ConfigError([
      `${file ?? DEFAULT_CONFIG_FILE}${where ? `:${where.line}:${where.col}` : ''}: not valid YAML or JSON`,
    ]);
  }
  return parseConfig(raw, registry);
}

/**
 * The config file's JSON Schema (`crossdock config schema`, for editors and CI checks), generated from the same
 * zod schemas that validate it: the top level, and each `providers[]` entry by its adapter's own schema.
 * Checks zod cannot express in JSON Schema (refinements such as "token or credential") stay run-time only.
 */
export function configJsonSchema(registry: AdapterRegistry): Record<string, unknown> {
  const entries = registry.adapters.map((a) => a.configSchema) as unknown as [z.ZodType, ...z.ZodType[]];
  const schema = topLevelSchema.extend({
    providers: z.array(entries.length === 1 ? entries[0] : z.union(entries)).min(1),
  });
  return z.toJSONSchema(schema, { target: 'draft-7', io: 'input', unrepresentable: 'any' });
}
