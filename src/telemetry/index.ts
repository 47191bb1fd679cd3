/**
 * The gateway's own telemetry, in one place the core reports to: provider calls, poll rounds, GraphQL operations
 * and published events become Prometheus metrics (./metrics.ts) and, when `telemetry.otlpEndpoint` is set,
 * OpenTelemetry spans (./tracing.ts, imported only then). The core passes its work through these wrappers, so
 * neither the adapter SDK nor the adapters know about either library.
 */
import type { Logger } from 'pino';
import type { JobEventRecord } from '../events/types.js';
import { settleWithin } from '../observation/mirror.js';
import { ErrorCode, ProviderError } from '../sdk/errors.js';
import type { TelemetryConfig } from './config.js';
import { GatewayMetrics } from './metrics.js';
import type { SpanAttributes, SpanHandle, SpanOptions, Tracing } from './tracing.js';

export type { MetricsConfig, TelemetryConfig } from './config.js';
export type { MetricSources } from './metrics.js';
export { GatewayMetrics } from './metrics.js';

/** `ok`, `abandoned` (the gateway gave the call up: shutdown, a caller gone) or a public error code. */
export type Outcome = string;

const PUBLIC_CODES = new Set<string>(Object.values(ErrorCode));

/** The outcome of a failed call: its public code, whatever threw it. */
export function outcomeOfError(error: unknown, signal?: AbortSignal): Outcome {
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) return 'abandoned';
  return error instanceof ProviderError ? error.code : ErrorCode.INTERNAL;
}

/** The outcome of a GraphQL result: `ok`, or the first error's public code. */
export function outcomeOfErrors(errors: readonly { extensions?: { code?: unknown } }[] | undefined): Outcome {
  const code = errors?.[0]?.extensions?.code;
  if (!errors?.length) return 'ok';
  return typeof code === 'string' && PUBLIC_CODES.has(code) ? code : ErrorCode.INTERNAL;
}

export type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';

/** One GraphQL operation being measured: what it is, once known, and how it ended. */
export interface GraphQLOperation {
  identify(type: OperationType, name?: string | undefined): void;
  /** The errors it ended with (the first one's code is the outcome), or a refusal's code. */
  finish(outcome: Outcome): void;
}

export interface ProviderCall {
  account: string;
  provider: string;
  /** The adapter operation (listJobs, getJobs, createJob, ...). */
  operation: string;
}

/** How long disposing waits for the last spans to be exported (an exporter retries a collector that is down). */
const SHUTDOWN_WAIT_MS = 2_000;

/** Operation names in span attributes: a label the client chose, bounded in length. */
const MAX_NAME = 100;

export class Telemetry {
  readonly metrics = new GatewayMetrics();
  /** Resolves once tracing (if configured) is running; never rejects (a failure is logged, traces stay off). */
  readonly ready: Promise<void>;
  private tracing: Tracing | undefined;

  constructor(
    config: TelemetryConfig,
    private readonly logger: Logger,
  ) {
    const endpoint = config.otlpEndpoint;
    this.ready = endpoint
      ? import('./tracing.js').then(
          ({ startTracing }) => {
            this.tracing = startTracing({ endpoint, serviceName: config.serviceName });
            // The host only: the URL's path and query are the collector's business, and could hold a token.
            logger.info({ otlpHost: new URL(endpoint).host }, 'traces exported over OTLP/HTTP');
          },
          (error: unknown) => logger.error({ err: error }, 'could not start tracing; traces are off'),
        )
      : Promise.resolve();
  }

  /** One call to a provider: counted, timed and traced with its account, provider, operation and outcome. */
  providerCall<T>(call: ProviderCall, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
    const labels = { account: call.account, provider: call.provider, operation: call.operation };
    return this.measure(
      `provider ${call.operation}`,
      { 'crossdock.account': call.account, 'crossdock.provider': call.provider, 'crossdock.operation': call.operation },
      {},
      work,
      { ok: () => 'ok', failed: (error) => outcomeOfError(error, signal) },
      (seconds, outcome) => {
        this.metrics.providerRequests.inc({ ...labels, outcome });
        this.metrics.providerRequestDuration.observe({ ...labels, outcome }, seconds);
      },
    );
  }

  /** One poll round of an account: timed, and traced as a trace of its own (readers may share it). */
  pollRound<T>(account: { name: string; kind: string }, work: () => Promise<T>): Promise<T> {
    return this.measure(
      'poll round',
      { 'crossdock.account': account.name, 'crossdock.provider': account.kind },
      { root: true },
      work,
      { ok: () => 'ok', failed: (error) => outcomeOfError(error) },
      (seconds) => this.metrics.pollRoundDuration.observe({ account: account.name }, seconds),
    );
  }

  /**
   * One GraphQL operation (HTTP request or websocket operation): `work` says through the handle what it is and
   * how it ended; an operation that throws counts as INTERNAL.
   */
  graphql<T>(work: (operation: GraphQLOperation) => Promise<T>): Promise<T> {
    let type: OperationType = 'unknown';
    let outcome: Outcome = 'ok';
    return this.measure(
      'graphql',
      {},
      { server: true },
      (span) =>
        work({
          identify(identified, name) {
            type = identified;
            span?.rename(identified);
            span?.set({
              'graphql.operation.type': identified,
              ...(name ? { 'graphql.operation.name': name.slice(0, MAX_NAME) } : {}),
            });
          },
          finish(finished) {
            outcome = finished;
          },
        }),
      { ok: () => outcome, failed: () => ErrorCode.INTERNAL },
      (seconds, ended) => {
        const labels = { operation_type: type, outcome: ended };
        this.metrics.graphqlRequests.inc(labels);
        this.metrics.graphqlRequestDuration.observe(labels, seconds);
      },
    );
  }

  /** Events just committed and published. */
  eventsPublished(events: readonly Pick<JobEventRecord, 'account' | 'kind'>[]): void {
    for (const event of events) this.metrics.eventsPublished.inc({ account: event.account, kind: event.kind });
  }

  /** Exports the spans that ended so far (no-op without tracing). A collector that cannot be reached is logged. */
  async flush(): Promise<void> {
    await this.ready;
    await this.tracing?.flush().catch((error: unknown) => this.exportFailed(error));
  }

  /** Exports what is left and stops tracing; waits at most SHUTDOWN_WAIT_MS for a collector that does not answer. */
  async dispose(): Promise<void> {
    await this.ready;
    const tracing = this.tracing;
    this.tracing = undefined;
    if (!tracing) return;
    const shutdown = await settleWithin(tracing.shutdown(), SHUTDOWN_WAIT_MS);
    if (shutdown.status === 'failed') this.exportFailed(shutdown.error);
    if (shutdown.status === 'timeout') this.logger.warn('traces not exported: the collector did not answer in time');
  }

  private exportFailed(error: unknown): void {
    // The exporter's message names the endpoint at most; its code says why.
    const code = (error as { code?: unknown }).code;
    this.logger.warn({ code: typeof code === 'string' ? code : undefined }, 'could not export traces');
  }

  /** Runs `work` in a span (when tracing), then records its duration and outcome, also on the span. */
  private measure<T>(
    name: string,
    attributes: SpanAttributes,
    opts: SpanOptions,
    work: (span: SpanHandle | undefined) => Promise<T>,
    outcomes: { ok: () => Outcome; failed: (error: unknown) => Outcome },
    record: (seconds: number, outcome: Outcome) => void,
  ): Promise<T> {
    const started = performance.now();
    const run = async (span: SpanHandle | undefined) => {
      let outcome: Outcome = ErrorCode.INTERNAL;
      try {
        const result = await work(span);
        outcome = outcomes.ok();
        return result;
      } catch (error) {
        outcome = outcomes.failed(error);
        throw error;
      } finally {
        span?.set({ 'crossdock.outcome': outcome });
        if (outcome !== 'ok') span?.fail(outcome);
        record((performance.now() - started) / 1000, outcome);
      }
    };
    return this.tracing ? this.tracing.span(name, attributes, run, opts) : run(undefined);
  }
}
