/**
 * The two servers the HTTP benchmark (bench/http.ts) measures the gateway against, each in a process of its own:
 *
 *   node bench/http-servers.mjs apollo FIXTURE   a stock Apollo Server 5 (startStandaloneServer, no plugin, no
 *                                                option) on the gateway's own schema, answering from memory with
 *                                                the very data the gateway answered
 *   node bench/http-servers.mjs bare FIXTURE     a bare node:http server returning the gateway's response bytes
 *                                                for the same request body (the ceiling: no GraphQL at all)
 *
 * FIXTURE is a JSON file: { sdl, job: { id, data }, jobs: data, responses: { [request body]: response body } }.
 * Both listen on 127.0.0.1, port 0, and print `listening <url>` once they do.
 *
 * Plain JavaScript, so that neither pays for a TypeScript loader the gateway's build does not have either.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [mode, fixtureFile] = process.argv.slice(2);
const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8'));

async function startApollo() {
  const { ApolloServer } = await import('@apollo/server');
  const { startStandaloneServer } = await import('@apollo/server/standalone');
  const jobs = new Map([[fixture.job.id, fixture.job.data]]);
  const server = new ApolloServer({
    typeDefs: fixture.sdl,
    resolvers: {
      Query: {
        job: (_, { id }) => jobs.get(id) ?? null,
        jobs: () => fixture.jobs,
      },
    },
  });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  return url;
}

function startBare() {
  const responses = new Map(Object.entries(fixture.responses));
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = responses.get(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json; charset=utf-8' });
      res.end(body ?? '{"errors":[{"message":"unknown request"}]}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}/`)),
  );
}

const url = mode === 'apollo' ? await startApollo() : mode === 'bare' ? await startBare() : undefined;
if (!url) {
  console.error('usage: http-servers.mjs apollo|bare FIXTURE');
  process.exit(2);
}
console.log(`listening ${url}`);
