/**
 * The config sections of the gateway's own telemetry: `metrics` (Prometheus text at /metrics) and `telemetry`
 * (OpenTelemetry traces, off unless an OTLP endpoint is given). Schemas only, so that reading a config loads
 * neither prom-client nor the OpenTelemetry SDK.
 */
import { z } from 'zod';

export const metricsSchema = z
  .object({
    /** Serve /metrics (Prometheus text format) on the gateway's port, with the API's authentication. */
    enabled: z.boolean().default(true),
    /**
     * Also serve /metrics, without credentials, on this port of 127.0.0.1 only (0: any free port): for a
     * Prometheus agent on the same host while the API requires credentials.
     */
    port: z.number().int().min(0).max(65535).optional(),
  })
  .strict()
  .prefault({});

export const telemetrySchema = z
  .object({
    /**
     * OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. Absent: no traces, and the
     * OpenTelemetry SDK is never loaded.
     */
    otlpEndpoint: z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL, e.g. http://127.0.0.1:4318/v1/traces' })
      .optional(),
    /** `service.name` of the spans. */
    serviceName: z.string().min(1).max(200).default('crossdock'),
  })
  .strict()
  .prefault({});

export type MetricsConfig = z.infer<typeof metricsSchema>;
export type TelemetryConfig = z.infer<typeof telemetrySchema>;
