import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxCertificate } from '../../src/sandbox/tls.js';
import { createHttpClient, type HttpClient, type RunningSimulator } from '../../src/sdk/index.js';
import { createServiceToken, type HubConnection, parseConnectionString, verifyServiceToken } from './auth.js';
import { simulator } from './simulator.js';
import { API_VERSION } from './wire.js';

// The SDK is CommonJS; its SharedAccessSignature is how every azure-iothub client signs.
const { SharedAccessSignature } = createRequire(import.meta.url)('azure-iothub') as {
  SharedAccessSignature: { create(host: string, policy: string, key: string, expiry: number): { toString(): string } };
};

const hub: HubConnection = {
  hostName: 'contoso-hub.azure-devices.net',
  policyName: 'iothubowner',
  key: Buffer.alloc(32, 3).toString('base64'),
};
const nowSeconds = 1_800_000_000;
const check = { ...hub, nowSeconds };

describe('service SAS tokens', () => {
  it('are byte for byte what azure-iothub makes for the same hub, policy, key and expiry', () => {
    const expiry = nowSeconds + 3600;
    expect(createServiceToken(hub, expiry)).toBe(
      SharedAccessSignature.create(hub.hostName, hub.policyName, hub.key, expiry).toString(),
    );
  });

  it('verify when made by crossdock or by the SDK, in any field order', () => {
    expect(verifyServiceToken(createServiceToken(hub, nowSeconds + 60), check)).toBe('ok');
    const sdk = SharedAccessSignature.create(hub.hostName, hub.policyName, hub.key, nowSeconds + 60).toString();
    expect(verifyServiceToken(sdk, check)).toBe('ok');
    const fields = sdk.replace('SharedAccessSignature ', '').split('&').reverse().join('&');
    expect(verifyServiceToken(`SharedAccessSignature ${fields}`, check)).toBe('ok');
    // sr is compared case-insensitively, and the signature is checked over sr exactly as sent.
    const upperCaseSr = createServiceToken({ ...hub, hostName: hub.hostName.toUpperCase() }, nowSeconds + 60);
    expect(verifyServiceToken(upperCaseSr, check)).toBe('ok');
  });

  it('refuse tampered, expired, foreign and malformed tokens', () => {
    const token = createServiceToken(hub, nowSeconds + 60);
    const sig = /sig=([^&]+)/.exec(token)![1]!;
    const flipped = sig.startsWith('A') ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
    expect(verifyServiceToken(token.replace(sig, flipped), check)).toBe('bad-signature');
    expect(verifyServiceToken(token.replace(/se=\d+/, `se=${nowSeconds + 61}`), check)).toBe('bad-signature');
    expect(
      verifyServiceToken(
        createServiceToken({ ...hub, key: Buffer.alloc(32, 4).toString('base64') }, nowSeconds + 60),
        check,
      ),
    ).toBe('bad-signature');
    expect(verifyServiceToken(createServiceToken(hub, nowSeconds - 1), check)).toBe('expired');
    expect(
      verifyServiceToken(
        createServiceToken({ ...hub, hostName: 'other-hub.azure-devices.net' }, nowSeconds + 60),
        check,
      ),
    ).toBe('wrong-resource');
    expect(verifyServiceToken(createServiceToken({ ...hub, policyName: 'service' }, nowSeconds + 60), check)).toBe(
      'unknown-policy',
    );
    expect(verifyServiceToken(undefined, check)).toBe('missing');
    expect(verifyServiceToken('Bearer abc', check)).toBe('malformed');
    expect(verifyServiceToken('SharedAccessSignature sr=x&sig=%E0%A4%A&se=5&skn=iothubowner', check)).toBe('malformed');
  });
});

describe('connection strings', () => {
  it('parse the portal format, keys with base64 padding included', () => {
    expect(
      parseConnectionString(`HostName=${hub.hostName};SharedAccessKeyName=iothubowner;SharedAccessKey=${hub.key}`),
    ).toEqual(hub);
  });

  it.each([
    ['HostName=h.azure-devices.net;SharedAccessKeyName=p', 'missing-field'],
    ['HostName=h.azure-devices.net;DeviceId=d1;SharedAccessKey=AAAA', 'device-connection-string'],
    ['HostName=h.azure-devices.net;SharedAccessSignature=SharedAccessSignature sr=x', 'token-connection-string'],
    ['HostName=https://h.azure-devices.net;SharedAccessKeyName=p;SharedAccessKey=AAAA', 'bad-host-name'],
    ['HostName=127.0.0.1:8443;SharedAccessKeyName=p;SharedAccessKey=AAAA', 'bad-host-name'],
    ['HostName=h.azure-devices.net;SharedAccessKeyName=p;SharedAccessKey=not base64!', 'bad-key'],
  ])('refuse %s', (text, problem) => {
    expect(parseConnectionString(text)).toBe(problem);
  });
});

describe('the simulator checks SAS tokens over HTTPS', () => {
  let sim: RunningSimulator;
  let http: HttpClient;
  let simHub: HubConnection;
  const listWith = async (authorization: string) =>
    http.send({
      method: 'GET',
      url: `${sim.account.endpoint}/jobs?api-version=${API_VERSION}`,
      headers: { authorization },
      signal: AbortSignal.timeout(10_000),
    });

  beforeAll(async () => {
    const tls = await createSandboxCertificate();
    sim = await simulator.start({ account: 'sas', seed: 3, stepMs: 0, seedJobs: 2, autopilot: false, tls });
    http = createHttpClient({ account: 'sas', provider: 'iot-hub', timeoutMs: 10_000, ca: tls.cert });
    simHub = parseConnectionString(String(sim.account.connectionString)) as HubConnection;
  });
  afterAll(async () => {
    await http?.dispose();
    await sim?.close();
  });

  it('accepts crossdock tokens and SDK tokens for its hub', async () => {
    expect(simHub.hostName).toBe('sas.azure-devices.net');
    const future = Date.now() / 1000 + 600;
    const ours = await listWith(createServiceToken(simHub, future));
    expect(ours.status).toBe(200);
    expect(ours.headers['content-type']).toContain('application/json');
    expect(JSON.parse(ours.text)).toHaveLength(2);
    const sdk = SharedAccessSignature.create(simHub.hostName, simHub.policyName, simHub.key, Math.ceil(future));
    expect((await listWith(sdk.toString())).status).toBe(200);
  });

  it.each([
    ['a wrong key', (h: HubConnection) => ({ ...h, key: Buffer.alloc(32, 9).toString('base64') }), 600],
    ['a wrong sr', (h: HubConnection) => ({ ...h, hostName: 'elsewhere.azure-devices.net' }), 600],
    ['an expired se', (h: HubConnection) => h, -5],
  ])('answers %s with 401 IotHubUnauthorizedAccess in the real envelope', async (_, change, offset) => {
    const res = await listWith(createServiceToken(change(simHub), Date.now() / 1000 + offset));
    expect(res.status).toBe(401);
    expect(res.headers['iothub-errorcode']).toBe('IotHubUnauthorizedAccess');
    expect(res.headers['content-type']).toContain('application/json');
    const body = JSON.parse(res.text) as { Message: string; ExceptionMessage: string };
    expect(body.Message).toBe('ErrorCode:IotHubUnauthorizedAccess;Unauthorized');
    expect(body.ExceptionMessage).toMatch(
      /^Tracking ID:[0-9a-f]{32}-G:\d+-TimeStamp:\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/,
    );
  });
});
