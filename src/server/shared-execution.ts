/**
 * Delivery cost: subscriptions with the same document, operation, variables and share key (the identity
 * the authentication hook gave the connection) receive the same result for the same event, so the result is
 * computed once per group and event, not once per subscriber. Each subscriber keeps its own source stream
 * (its own filter and position, cheap), only the GraphQL execution of the payload is shared.
 *
 * graphql-js's own `subscribe` would execute the selection set once per subscriber; this is the same
 * `createSourceEventStream` + `execute({ rootValue: payload })` it does internally, with a memo in between.
 */
import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  GraphQLError,
  print,
} from 'graphql';

/** Results remembered per group: enough for subscribers of one group that are a little apart in the stream. */
const MEMO_PER_GROUP = 256;

interface Group {
  subscribers: number;
  results: Map<string, Promise<ExecutionResult>>;
}

export interface SharedExecutionStats {
  /** Distinct groups with at least one subscriber. */
  groups: number;
  /** Times a payload's result was computed. */
  executions: number;
  /** Results handed to subscribers. */
  deliveries: number;
}

export interface SharedExecutionOptions {
  /**
   * The memo key of a payload (e.g. the event's sequence number), or undefined for a payload that must be
   * executed for its subscriber alone (e.g. a signal addressed to one subscriber).
   */
  payloadKey(payload: unknown): string | undefined;
  /** A fresh context per execution: results are shared, so they must not depend on one subscriber's context. */
  contextFor(args: ExecutionArgs): unknown;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof Object(value)[Symbol.asyncIterator] === 'function';

export class SharedExecution {
  private readonly groups = new Map<string, Group>();
  private executions = 0;
  private deliveries = 0;

  constructor(private readonly opts: SharedExecutionOptions) {}

  /** Printed documents: subscribers of one subscription usually share one document (src/server/websocket.ts). */
  private readonly printed = new WeakMap<object, string>();

  private text(args: ExecutionArgs): string {
    let text = this.printed.get(args.document);
    if (text === undefined) {
      text = print(args.document);
      this.printed.set(args.document, text);
    }
    return text;
  }

  stats(): SharedExecutionStats {
    return { groups: this.groups.size, executions: this.executions, deliveries: this.deliveries };
  }

  /** A drop-in for graphql-js `subscribe`, for graphql-ws's `subscribe` option. */
  async subscribe(
    args: ExecutionArgs,
    shareKey: string,
  ): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source as ExecutionResult;
    const key = JSON.stringify([shareKey, args.operationName ?? null, args.variableValues ?? null, this.text(args)]);
    let group = this.groups.get(key);
    if (!group) {
      group = { subscribers: 0, results: new Map() };
      this.groups.set(key, group);
    }
    group.subscribers += 1;
    return this.results(source as AsyncIterableIterator<unknown>, key, group, args);
  }

  /** A plain iterator, so that `return()` reaches the source at once (see EventSubscription). */
  private results(
    source: AsyncIterableIterator<unknown>,
    key: string,
    group: Group,
    args: ExecutionArgs,
  ): AsyncIterableIterator<ExecutionResult> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      group.subscribers -= 1;
      if (group.subscribers === 0 && this.groups.get(key) === group) this.groups.delete(key);
    };
    const iterator: AsyncIterableIterator<ExecutionResult> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async () => {
        const next = await source.next();
        if (next.done) {
          release();
          return { done: true, value: undefined };
        }
        const result = await this.render(group, next.value, args);
        this.deliveries += 1;
        return { done: false, value: result };
      },
      return: async () => {
        release();
        await source.return?.();
        return { done: true, value: undefined };
      },
      throw: async (error: unknown) => {
        release();
        await source.return?.();
        throw error;
      },
    };
    return iterator;
  }

  private render(group: Group, payload: unknown, args: ExecutionArgs): Promise<ExecutionResult> {
    const key = this.opts.payloadKey(payload);
    if (key === undefined) return this.execute(payload, args);
    let result = group.results.get(key);
    if (!result) {
      result = this.execute(payload, args);
      group.results.set(key, result);
      // Maps iterate in insertion order: the first key is the oldest.
      if (group.results.size > MEMO_PER_GROUP) group.results.delete(group.results.keys().next().value as string);
    }
    return result;
  }

  private async execute(payload: unknown, args: ExecutionArgs): Promise<ExecutionResult> {
    this.executions += 1;
    try {
      return await execute({ ...args, rootValue: payload, contextValue: this.opts.contextFor(args) });
    } catch (error) {
      // execute() only throws for invalid arguments; report it as a result, like graphql-js's subscribe.
      const original = error instanceof Error ? error : new Error(String(error));
      return { errors: [new GraphQLError(original.message, { originalError: original })] };
    }
  }
}
