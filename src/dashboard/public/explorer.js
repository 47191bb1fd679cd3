/**
 * GraphiQL (as @graphql-yoga/render-graphiql bundles it, loaded as `window.YogaGraphiQL`) on the gateway's
 * GraphQL endpoint: queries and mutations over HTTP, subscriptions over the same websocket the gateway
 * serves. Headers typed in GraphiQL's header editor win; otherwise the dashboard's API key (this tab's
 * sessionStorage) is sent. Monaco's workers come from the gateway too.
 */
import { authorization, createSocket, endpointUrl, operationType } from './client.js';

const endpoint = endpointUrl(location.pathname);
const assets = new URL('dashboard/vendor/', endpoint);

self.MonacoEnvironment = {
  globalAPI: false,
  getWorkerUrl: (_moduleId, label) =>
    new URL({ json: 'json.worker.js', graphql: 'graphql.worker.js' }[label] ?? 'editor.worker.js', assets).toString(),
};

/** The header editor's headers, with the stored API key unless an Authorization header is given. */
function headersFor(opts) {
  const given = Object.fromEntries(Object.entries(opts?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const auth = given.authorization ?? authorization();
  return { ...given, ...(auth ? { authorization: auth } : {}) };
}

let socket;
let socketAuth;

function fetcher(params, opts) {
  const headers = headersFor(opts);
  if (operationType(params.query, params.operationName) === 'subscription') {
    if (!socket || socketAuth !== headers.authorization) {
      socket?.dispose();
      socketAuth = headers.authorization;
      socket = createSocket(endpoint, socketAuth);
    }
    return socket.iterate(params);
  }
  return fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...headers,
    },
    body: JSON.stringify(params),
  }).then((response) => response.json());
}

const DEFAULT_QUERY = `# crossdock: one schema over Azure Import/Export, AWS Import/Export and IoT Hub jobs.
# Run with Ctrl-Enter. Subscriptions (e.g. subscription { jobEvents { kind state job { name } } }) run live.
{
  accounts {
    name
    provider
    health {
      status
      lastPollAt
    }
  }
  jobs(first: 10) {
    totalCount
    edges {
      node {
        id
        provider
        nativeId
        state
        providerState
      }
    }
  }
}
`;

window.YogaGraphiQL.renderYogaGraphiQL(document.getElementById('explorer'), {
  title: 'crossdock',
  // GraphiQL keeps the editor's text in ?query=, and reads it back only when given no query of ours.
  query: new URL(location.href).searchParams.get('query') || DEFAULT_QUERY,
  fetcher,
});
