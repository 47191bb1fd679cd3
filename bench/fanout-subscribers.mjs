/**
 * The subscribers of the fan-out benchmark (bench/fanout.ts), in a worker thread of their own: one graphql-ws
 * client (own websocket, `ws` underneath) per subscriber. Running them beside the gateway's thread rather than
 * on it keeps their frame parsing and JSON decoding out of the delivery latency being measured.
 *
 * Plain JavaScript: a worker thread does not get tsx's TypeScript hooks the same way on every Node version.
 *
 * workerData: { url, query, variables: one variable set per subscriber }
 * to the parent:   { type: 'delivered', cursor, at }  an event reached every subscriber; `at` = the last arrival
 *                                                      (epoch ms, sub-millisecond, comparable across threads)
 *                  { type: 'failed', message }        a subscription or socket failed, or the server completed it
 *                  { type: 'closed', deliveries }     after { type: 'close' }: every client disposed;
 *                                                      deliveries = every `next` the clients received
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const { url, query, variables } = workerData;
const post = (message) => parentPort.postMessage(message);
/** graphql-ws reports socket problems as an Error, an ErrorEvent or a CloseEvent. */
const describe = (error) =>
  error instanceof Error
    ? error.message
    : typeof error?.code === 'number'
      ? `socket closed with ${error.code} ${error.reason ?? ''}`
      : String(error?.message ?? error);

const clients = [];
/** Per event cursor: how many subscribers received it so far. */
const received = new Map();
let deliveries = 0;
let closing = false;
const fail = (error) => {
  if (!closing) post({ type: 'failed', message: describe(error) });
};

for (const vars of variables) {
  // Eager, no retries: a refused or dropped socket shows as a failure, not as a slow event.
  const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, onNonLazyError: fail });
  clients.push(client);
  client.subscribe(
    { query, variables: vars },
    {
      next: (result) => {
        deliveries += 1;
        const cursor = result.data?.jobEvents?.cursor;
        if (!cursor) {
          fail(new Error(JSON.stringify(result.errors ?? result)));
          return;
        }
        const count = (received.get(cursor) ?? 0) + 1;
        if (count === variables.length) {
          received.delete(cursor);
          post({ type: 'delivered', cursor, at: performance.timeOrigin + performance.now() });
        } else {
          received.set(cursor, count);
        }
      },
      error: fail,
      complete: () => fail(new Error('the server completed a subscription')),
    },
  );
}

parentPort.on('message', async (message) => {
  if (message.type !== 'close') return;
  closing = true;
  await Promise.all(clients.map((c) => c.dispose()));
  post({ type: 'closed', deliveries });
  parentPort.close();
});
