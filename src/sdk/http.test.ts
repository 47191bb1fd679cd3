/**
 * The shared HTTP client against a provider that accepts the TCP connection and then says nothing, not even
 * the TLS handshake: its timeout and its caller's abort must still hold, and dispose() must let go.
 */
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../../test/helpers/servers.js';
import { ErrorCode, ProviderError } from './errors.js';
import { createHttpClient, type HttpClient } from './http.js';

/** A TCP server on loopback that accepts connections and never writes a byte. */
async function startSilentServer() {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Read (and drop) what the client sends, so its end of the connection is seen.
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a provider that never answers', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const setup = async (timeoutMs: number) => {
    const silent = await startSilentServer();
    const client: HttpClient = createHttpClient({ account: 'acct', provider: 'test', timeoutMs });
    cleanups.push(silent.close, client.dispose);
    return { silent, client };
  };
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('answers a caller who gives up at once, although the connection is still waiting for TLS', async () => {
    // A timeout longer than the test's own: only the caller's abort can end this call in time.
    const { silent, client } = await setup(60_000);
    const caller = new AbortController();
    const call = client.send({ method: 'GET', url: `${silent.endpoint}/jobs?sig=secret`, signal: caller.signal });
    await waitUntil(() => silent.sockets.size > 0, 'the client connected');
    const reason = new Error('the caller gave up');
    caller.abort(reason);
    await expect(call).rejects.toBe(reason);
    // Nor does dispose() wait for that connection.
    await client.dispose();
  });

  it('fails after timeoutMs with PROVIDER_UNAVAILABLE and lets the connection go', async () => {
    const { silent, client } = await setup(300);
    const error = await client
      .send({ method: 'GET', url: `${silent.endpoint}/jobs?sig=secret`, signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: ErrorCode.PROVIDER_UNAVAILABLE, retryable: true });
    expect((error as Error).message).toBe('provider did not answer within 300 ms');
    // undici's connect timeout is the call's, so the attempt ends without dispose() (not after its default 10 s).
    await waitUntil(() => silent.sockets.size === 0, 'the provider saw the connection close', 5_000);
  });
});
