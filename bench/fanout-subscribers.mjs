/**
 * The subscribers of the fan-out benchmark (bench/fanout.ts), in a process of their own (forked, IPC channel),
 * so that their frame parsing and JSON decoding stay out of the delivery latency, and their memory out of the
 * gateway's.
 *
 * Plain JavaScript: a forked benchmark helper should not depend on a TypeScript loader.
 *
 *   mode 'graphql-ws': one graphql-ws client (own websocket, `ws` underneath) per subscriber, each subscribed to
 *                      `query` with its `variables`; an event is identified by its cursor
 *   mode 'raw':        one bare `ws` socket per subscriber; the server broadcasts whole messages, and message k
 *                      of every socket is event k (each message is JSON-decoded, as graphql-ws clients do)
 *
 * First message from the parent: { mode, url, count, query?, variables? }
 * to the parent:   { type: 'ready' }                          every subscriber connected (and subscribed)
 *                  { type: 'delivered', event, at, sample? }  an event reached every subscriber; `at` = the last
 *                                                             arrival (epoch ms, sub-millisecond); the first
 *                                                             one carries a socket's message, as received
 *                  { type: 'failed', message }                a socket or subscription failed
 *                  { type: 'closed', deliveries }             after { type: 'close' }: everything closed
 */
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const post = (message) => process.send?.(message);
const now = () => performance.timeOrigin + performance.now();
/** graphql-ws reports socket problems as an Error, an ErrorEvent or a CloseEvent. */
const describe = (error) =>
  error instanceof Error
    ? error.message
    : typeof error?.code === 'number'
      ? `socket closed with ${error.code} ${error.reason ?? ''}`
      : String(error?.message ?? error);

let closing = false;
let deliveries = 0;
const fail = (error) => {
  if (!closing) post({ type: 'failed', message: describe(error) });
};
/** Per event: how many subscribers received it so far. */
const received = new Map();
let sample = '';
function arrived(event, count, text) {
  deliveries += 1;
  const seen = (received.get(event) ?? 0) + 1;
  if (seen === count) {
    received.delete(event);
    post({ type: 'delivered', event, at: now(), ...(sample ? {} : { sample: text }) });
    sample ||= text;
  } else received.set(event, seen);
}

/** Opens sockets a batch at a time: 10,000 handshakes at once only measure the listen backlog. */
async function inBatches(count, open) {
  const BATCH = 250;
  for (let i = 0; i < count; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => open(i + j)));
  }
}

async function graphqlWs({ url, count, query, variables }) {
  const clients = [];
  await inBatches(count, (i) => {
    let text = '';
    return new Promise((resolve) => {
      const client = createClient({
        url,
        // A socket that keeps the text of the message being handled: the raw broadcast sends the same bytes.
        webSocketImpl: class extends WebSocket {
          constructor(...args) {
            super(...args);
            this.on('message', (data) => {
              text = String(data);
            });
          }
        },
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: fail,
        on: { connected: () => resolve() },
      });
      clients.push(client);
      client.subscribe(
        { query, variables: variables[i] ?? variables[0] },
        {
          next: (result) => {
            const cursor = result.data?.jobEvents?.cursor;
            if (!cursor) return fail(new Error(JSON.stringify(result.errors ?? result)));
            arrived(cursor, count, text);
          },
          error: fail,
          complete: () => fail(new Error('the server completed a subscription')),
        },
      );
    });
  });
  return () => Promise.all(clients.map((c) => c.dispose()));
}

async function raw({ url, count }) {
  const sockets = [];
  await inBatches(
    count,
    () =>
      new Promise((resolve, reject) => {
        const socket = new WebSocket(url);
        let k = 0;
        socket.on('message', (data) => {
          const text = String(data);
          JSON.parse(text);
          arrived(k++, count, text);
        });
        socket.once('open', resolve);
        socket.once('error', reject);
        socket.on('error', fail);
        sockets.push(socket);
      }),
  );
  return async () => {
    await Promise.all(
      sockets.map((socket) => {
        if (socket.readyState === socket.CLOSED) return undefined;
        const closed = new Promise((resolve) => socket.once('close', resolve));
        socket.close();
        return closed;
      }),
    );
  };
}

let close;
process.on('message', async (message) => {
  if (message.type === 'close') {
    closing = true;
    await close?.();
    post({ type: 'closed', deliveries });
    process.disconnect();
    return;
  }
  try {
    close = await (message.mode === 'raw' ? raw(message) : graphqlWs(message));
    post({ type: 'ready' });
  } catch (error) {
    fail(error);
  }
});
