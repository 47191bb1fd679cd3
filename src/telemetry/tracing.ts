/**
 * OpenTelemetry traces, exported over OTLP/HTTP (JSON) to `telemetry.otlpEndpoint`. Loaded by ./index.ts with a
 * dynamic import, and only when that endpoint is configured: a gateway without it never loads the SDK.
 *
 * Nothing here is registered globally (no global tracer provider or context manager), so several gateways in
 * one process keep their traces apart and an embedding application's own OpenTelemetry setup is left alone.
 * The parent of a span is the span whose work is running (an AsyncLocalStorage of this module); poll rounds
 * start traces of their own, since many readers may be waiting on one round.
 *
 * Attributes are ids the gateway chose (account, provider, operation, outcome codes) — never URLs, headers,
 * documents, variables or messages, which may carry credentials.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export type SpanAttributes = Record<string, string | number | boolean>;

/** What running work may do with its span. */
export interface SpanHandle {
  set(attributes: SpanAttributes): void;
  rename(name: string): void;
  /** Marks the span failed with a public code (never a message). */
  fail(code: string): void;
}

export interface SpanOptions {
  /** Start a trace of its own rather than a child of the running span. */
  root?: boolean;
  /** The span serves a request made to the gateway (GraphQL) rather than a call the gateway makes. */
  server?: boolean;
}

export interface Tracing {
  span<T>(
    name: string,
    attributes: SpanAttributes,
    work: (span: SpanHandle) => Promise<T>,
    opts?: SpanOptions,
  ): Promise<T>;
  /** Exports the spans that ended so far. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function startTracing(opts: { endpoint: string; serviceName: string }): Tracing {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: opts.endpoint }))],
  });
  const tracer = provider.getTracer('crossdock');
  const running = new AsyncLocalStorage<Span>();

  return {
    async span(name, attributes, work, spanOpts = {}) {
      const parent = spanOpts.root ? undefined : running.getStore();
      const span = tracer.startSpan(
        name,
        { kind: spanOpts.server ? SpanKind.SERVER : SpanKind.CLIENT, attributes },
        parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
      );
      const handle: SpanHandle = {
        set: (more) => span.setAttributes(more),
        rename: (newName) => span.updateName(newName),
        fail: (code) => span.setStatus({ code: SpanStatusCode.ERROR, message: code }),
      };
      try {
        return await running.run(span, () => work(handle));
      } finally {
        span.end();
      }
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
