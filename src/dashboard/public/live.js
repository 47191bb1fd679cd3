/**
 * The dashboard's live feed: the `jobEvents` subscription, resumed after every disconnect with `after` set to
 * the last cursor it received, so the table misses no change and applies none twice (the gateway replays the
 * gap from its event log). Reconnects back off from 1 s to 30 s.
 */
import { AUTH_CODES, createSocket } from './client.js';

const MAX_BACKOFF_MS = 30_000;

/**
 * @param {object} opts
 * @param {string} opts.endpoint GraphQL URL
 * @param {string} opts.query the subscription document; takes `$after: String`
 * @param {string} opts.after cursor to start after (from `latestJobEventCursor`, queried with the jobs)
 * @param {(event: object) => void} opts.onEvent each `jobEvents` payload, in log order
 * @param {(status: {state: string, detail?: string}) => void} opts.onStatus connecting | live | retrying | refused
 * @param {() => void} opts.onExpired the cursor fell out of the log's retention: reload, then follow again
 * @returns {{ stop(): void, cursor(): string }}
 */
export function followJobEvents({ endpoint, query, after, onEvent, onStatus, onExpired }) {
  let cursor = after;
  let stopped = false;
  let failures = 0;
  let socket;
  let timer;

  const retry = (detail) => {
    socket?.dispose();
    socket = undefined;
    if (stopped) return;
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures);
    failures += 1;
    onStatus({ state: 'retrying', detail: `${detail}; retrying in ${Math.round(delay / 1000)} s` });
    timer = setTimeout(start, delay);
  };

  /** Errors a subscription ended with, from `next` or `error`: the first decides what happens. */
  const ended = (errors) => {
    const error = errors?.[0];
    const code = error?.extensions?.code;
    if (code === 'SLOW_CONSUMER' && error.extensions.cursor) {
      cursor = error.extensions.cursor; // resume right where the gateway stopped sending
      return restart();
    }
    if (code === 'CURSOR_EXPIRED') {
      stop();
      return onExpired();
    }
    if (AUTH_CODES.has(code)) {
      stop();
      return onStatus({ state: 'refused', detail: error.message });
    }
    retry(error?.message ?? 'the subscription ended');
  };

  const restart = () => {
    socket?.dispose();
    socket = undefined;
    start();
  };

  function start() {
    if (stopped) return;
    onStatus({ state: 'connecting' });
    socket = createSocket(endpoint);
    const own = socket;
    socket.on('connected', () => {
      if (own === socket) onStatus({ state: 'live' });
    });
    socket.subscribe(
      { query, variables: cursor ? { after: cursor } : {} },
      {
        next: (result) => {
          if (own !== socket) return;
          if (result.errors?.length) return ended(result.errors);
          failures = 0;
          cursor = result.data.jobEvents.cursor;
          onEvent(result.data.jobEvents);
        },
        error: (error) => {
          if (own !== socket) return;
          if (Array.isArray(error)) return ended(error);
          // A CloseEvent: 4403 is the gateway refusing the connection_init (a missing or wrong API key).
          if (error?.code === 4403) {
            stop();
            return onStatus({ state: 'refused', detail: 'the gateway refused the API key' });
          }
          retry(error?.reason || 'connection lost');
        },
        complete: () => {
          if (own === socket && !stopped) retry('the gateway ended the subscription');
        },
      },
    );
  }

  function stop() {
    stopped = true;
    clearTimeout(timer);
    socket?.dispose();
    socket = undefined;
  }

  start();
  return { stop, cursor: () => cursor };
}
