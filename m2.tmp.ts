import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { registry } from './src/registry.js';
import { listAll } from './test/adapter-contract.js';
import { startTestSandbox } from './test/helpers/servers.js';

const sandbox = await startTestSandbox({ seedJobs: 1000, adapters: [registry.adapters[0]!] });
const sim = [...sandbox.simulators.values()][0]!;
const adapter = registry.adapters[0]!;
const client = adapter.connect(adapter.configSchema.parse(sim.account), {
  account: 'x',
  logger: pino({ level: 'silent' }),
  ca: sandbox.description.caCertificate,
  timeoutMs: 10000,
  now: Date.now,
});
const refs = await listAll(client);
const ids = refs.map((r) => r.nativeId);
const c0 = process.cpuUsage();
const t0 = performance.now();
await client.getJobs(ids, { signal: AbortSignal.timeout(60000) });
const c1 = process.cpuUsage(c0);
console.log('1000 GETs wall', (performance.now() - t0).toFixed(0), 'cpu', ((c1.user + c1.system) / 1000).toFixed(0));
await client.dispose();
await sandbox.close();
