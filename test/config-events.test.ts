/** The `polling`, `reads` and `events` config sections: defaults, partial overrides, one clear line per bad field. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';
import { registry } from '../src/registry.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { registeredAdapters } from './helpers/adapters.js';
import { startTestSandbox } from './helpers/servers.js';

const adapters = registeredAdapters();

describe('polling and events config', () => {
  // A real account entry (what the sandbox prints) makes the rest of the config valid.
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ adapters: [adapters[0]!], seedJobs: 0 });
  });
  afterAll(() => sandbox?.close());
  const parseWith = async (extra: Record<string, unknown>) =>
    parseConfig({ ...sandbox.description, ...extra }, registry, {});

  it('has defaults for every key, and merges a partial section with them', async () => {
    const defaults = await parseWith({});
    expect(defaults.polling).toEqual({
      enabled: true,
      intervalMs: { active: 30_000, waiting: 300_000, terminal: 3_600_000 },
      jitter: 0.1,
      backoff: { initialMs: 5_000, maxMs: 600_000 },
      maxConcurrentCalls: 4,
      batchSize: 25,
      circuitBreaker: { consecutiveFailures: 5, halfOpenAfterMs: 30_000 },
    });
    expect(defaults.reads).toEqual({ notFoundTtlMs: 30_000, notFoundCacheSize: 10_000 });
    expect(defaults.events).toEqual({ retentionMs: 7 * 86_400_000, subscriberQueueLimit: 1_000 });
    const partial = await parseWith({
      polling: { intervalMs: { active: 5_000 }, circuitBreaker: { halfOpenAfterMs: 1_000 } },
      reads: { notFoundTtlMs: 0 },
      events: { retentionMs: 3_600_000 },
    });
    expect(partial.polling.intervalMs).toEqual({ active: 5_000, waiting: 300_000, terminal: 3_600_000 });
    expect(partial.polling.circuitBreaker).toEqual({ consecutiveFailures: 5, halfOpenAfterMs: 1_000 });
    expect(partial.reads).toEqual({ notFoundTtlMs: 0, notFoundCacheSize: 10_000 });
    expect(partial.events.retentionMs).toBe(3_600_000);
  });

  it('names each bad field', async () => {
    const error = await parseWith({
      polling: {
        intervalMs: { active: 5 },
        jitter: 2,
        maxConcurrentCalls: 0,
        everySecond: true,
        circuitBreaker: { consecutiveFailures: 0 },
      },
      reads: { notFoundCacheSize: -1 },
      events: { retentionMs: 'a week' },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    for (const path of [
      'polling.intervalMs.active',
      'polling.jitter',
      'polling.maxConcurrentCalls',
      'polling',
      'polling.circuitBreaker.consecutiveFailures',
      'reads.notFoundCacheSize',
      'events.retentionMs',
    ]) {
      expect(problems.some((p) => p.startsWith(`${path}: `))).toBe(true);
    }
  });
});
