/**
 * Run as a child process: creates a gateway over real-looking accounts (no sandbox) and prints, as one JSON
 * line, every module that took, then every module loaded once the registry's simulator loaders ran too (the
 * control that shows the recording sees simulators when they are loaded). Plain JavaScript, so it can put its
 * module hooks in place before tsx loads the first TypeScript file.
 */
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import pino from 'pino';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
const loaded = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => loaded.push(url));
port1.unref();
// Registered after tsx, so these hooks run first and see each module's final URL.
register(new URL('./module-recorder-hooks.mjs', import.meta.url), { data: { port: port2 }, transferList: [port2] });

/** Every module resolved so far: a marker module is resolved last, and messages arrive in order. */
async function loadedSoFar() {
  const marker = `data:text/javascript,export default ${loaded.length}-${Date.now()}`;
  await import(marker);
  for (let i = 0; i < 1_000 && !loaded.includes(marker); i++) await new Promise((r) => setTimeout(r, 5));
  if (!loaded.includes(marker)) throw new Error('the module hooks never reported the marker module');
  return loaded.filter((url) => !url.startsWith('data:'));
}

const { parseConfig } = await import('../../src/config.ts');
const { createGateway } = await import('../../src/gateway.ts');
const { registry } = await import('../../src/registry.ts');

const unreachable = 'https://127.0.0.1:9';
const config = parseConfig(
  {
    store: { kind: 'memory' },
    polling: { enabled: false },
    logLevel: 'silent',
    providers: [
      {
        kind: 'azure-import-export',
        account: 'contoso-azure-west',
        subscriptionId: '00000000-0000-0000-0000-000000000000',
        resourceGroup: 'import-export',
        credential: { tenantId: 'contoso.onmicrosoft.com', clientId: 'app', clientSecret: 'not-a-real-secret' },
        endpoint: unreachable,
      },
      {
        kind: 'aws-import-export',
        account: 'contoso-aws',
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        endpoint: unreachable,
      },
      {
        kind: 'iot-hub',
        account: 'contoso-hub',
        connectionString: `HostName=contoso.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=${Buffer.alloc(32, 1).toString('base64')}`,
        endpoint: unreachable,
      },
    ],
  },
  registry,
);
const gateway = createGateway(config, { logger: pino({ level: 'silent' }), registry });
await gateway.dispose();
const afterGateway = await loadedSoFar();

for (const load of Object.values(registry.simulators)) await load();
const afterSimulators = await loadedSoFar();

process.stdout.write(`${JSON.stringify({ afterGateway, afterSimulators })}\n`);
