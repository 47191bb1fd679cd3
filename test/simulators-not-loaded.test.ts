/**
 * Simulators are sandbox code: a gateway serving real accounts must not load them. A child process creates a
 * gateway over real-looking accounts (no sandbox) with module hooks recording every module it resolves; then,
 * as a control that the recording would see them, it runs the registry's simulator loaders.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { registry } from '../src/registry.js';
import { registeredAdapters } from './helpers/adapters.js';

const SCRIPT = fileURLToPath(new URL('./helpers/gateway-modules.mjs', import.meta.url));
/** A simulator, the scaffolding only simulators use, or the sandbox. */
const SANDBOX_CODE = /\/adapters\/[^/]+\/simulator[^/]*\.ts$|\/adapters\/utils\/|\/src\/sandbox\//;

describe('a gateway on real accounts', () => {
  it('loads no simulator, no simulator scaffolding and no sandbox module', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT], { timeout: 60_000 });
    const { afterGateway, afterSimulators } = JSON.parse(stdout) as {
      afterGateway: string[];
      afterSimulators: string[];
    };
    // The gateway did load the adapters themselves.
    for (const kind of registeredAdapters().map((a) => a.kind)) {
      expect(afterGateway.some((url) => url.endsWith(`/adapters/${kind}/client.ts`))).toBe(true);
    }
    expect(afterGateway.filter((url) => SANDBOX_CODE.test(url))).toEqual([]);
    // Control: once the loaders run, each registered simulator is seen (every adapter has one).
    expect(Object.keys(registry.simulators).sort()).toEqual(
      registeredAdapters()
        .map((a) => a.kind)
        .sort(),
    );
    for (const kind of Object.keys(registry.simulators)) {
      expect(afterSimulators.some((url) => url.endsWith(`/adapters/${kind}/simulator.ts`))).toBe(true);
    }
  });
});
