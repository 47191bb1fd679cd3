/** `crossdock config schema` and `crossdock print-schema`: what editors, CI checks and client codegen read. */
import { configJsonSchema } from '../config.js';
import { printGatewaySchema } from '../graphql/schema.js';
import { registry } from '../registry.js';
import type { Command } from './main.js';
import { UsageError } from './options.js';

export const configCommand: Command = async (cli) => {
  if (cli.args[0] !== 'schema' || cli.args.length > 1)
    throw new UsageError(`unknown command "config${cli.args.map((a) => ` ${a}`).join('')}" (try: config schema)`);
  const schema = { title: 'crossdock config file', ...configJsonSchema(registry) };
  process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
  return 0;
};

export const printSchemaCommand: Command = async (cli) => {
  if (cli.args.length) throw new UsageError(`unexpected argument "${cli.args[0]}"`);
  process.stdout.write(`${await printGatewaySchema(registry, { federation: cli.subgraph ?? false })}\n`);
  return 0;
};
