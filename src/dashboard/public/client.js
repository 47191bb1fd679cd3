/**
 * GraphQL for the dashboard and the explorer: HTTP for queries and mutations, graphql-ws (its browser build,
 * loaded as `window.graphqlWs`) on the same URL for subscriptions. The API key the user enters stays in this
 * tab (sessionStorage) and goes only to the gateway: as `Authorization: Bearer …` over HTTP and as
 * `{ authorization: 'Bearer …' }` in the websocket's connection_init.
 */

const KEY_STORAGE = 'crossdock.apiKey';

export const apiKey = {
  get: () => sessionStorage.getItem(KEY_STORAGE) ?? '',
  set(value) {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  },
};

/** The Authorization value for the stored key, or undefined without one. */
export function authorization() {
  const key = apiKey.get();
  return key ? `Bearer ${key}` : undefined;
}

/** The GraphQL endpoint's absolute URL, from a path relative to the page (e.g. `../graphql`). */
export function endpointUrl(relative) {
  return new URL(relative, location.href).toString();
}

/** Error codes that only a (different) API key fixes. */
export const AUTH_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN']);

/** A request the gateway refused as a whole (HTTP error, or errors and no data). */
export class RequestError extends Error {
  constructor(message, { status, errors = [] } = {}) {
    super(message);
    this.status = status;
    this.errors = errors;
    this.code =
      errors[0]?.extensions?.code ?? (status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : undefined);
  }
}

/**
 * POSTs one operation. Resolves with the whole result ({ data, errors }): partial errors (one unreachable
 * account) come back beside the data. Rejects with RequestError when there is no data at all.
 */
export async function request(endpoint, query, variables, headers = {}) {
  const auth = authorization();
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(auth ? { authorization: auth } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  let result;
  try {
    result = await response.json();
  } catch {
    throw new RequestError(`the gateway answered HTTP ${response.status}`, { status: response.status });
  }
  if (!result.data && (result.errors?.length || !response.ok)) {
    const message = result.errors?.map((e) => e.message).join('; ') || `the gateway answered HTTP ${response.status}`;
    throw new RequestError(message, { status: response.status, errors: result.errors ?? [] });
  }
  return result;
}

/**
 * A graphql-ws client on the endpoint. No retries of its own: whoever subscribes decides how to resume
 * (the dashboard resubscribes with `after`, so nothing is lost or repeated).
 */
export function createSocket(endpoint, auth = authorization()) {
  const url = new URL(endpoint);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return window.graphqlWs.createClient({
    url: url.toString(),
    lazy: true,
    retryAttempts: 0,
    connectionParams: auth ? { authorization: auth } : {},
  });
}

/**
 * The type of the operation that runs: 'query', 'mutation' or 'subscription'. graphql-js's parser is not
 * on the page (GraphiQL's bundle keeps its copy to itself), so this scans the document's top level: it skips
 * comments, strings and everything inside braces or parentheses (default values may hold braces).
 */
export function operationType(document, operationName) {
  const operations = [];
  let depth = 0;
  let parens = 0;
  const tokens = document.matchAll(/"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*|[{}()]|[_A-Za-z][_0-9A-Za-z]*/g);
  let pending;
  for (const [token] of tokens) {
    if (token.startsWith('"') || token.startsWith('#')) continue;
    if (token === '(' || token === ')') parens += token === '(' ? 1 : -1;
    else if (parens > 0) continue;
    else if (token === '{') {
      if (depth === 0) operations.push(pending ?? { type: 'query', name: undefined });
      pending = undefined;
      depth += 1;
    } else if (token === '}') depth -= 1;
    else if (depth === 0) {
      if (['query', 'mutation', 'subscription', 'fragment'].includes(token) && !pending?.awaitsName)
        pending = { type: token, name: undefined, awaitsName: true };
      else if (pending?.awaitsName) pending = { ...pending, name: token, awaitsName: false };
    }
  }
  const runnable = operations.filter((o) => o.type !== 'fragment');
  const chosen = operationName ? runnable.find((o) => o.name === operationName) : runnable[0];
  return chosen?.type ?? 'query';
}
