/**
 * Generic checks of the ids a caller sends, at the edge, before any resolver or adapter sees them: global ids
 * and the native ids and account names inside them (or passed as `nativeId`/`account` arguments) must be of
 * bounded length without control characters. Each adapter checks its own id shape (no path segments, ...)
 * on top; these keep every provider's wire clear of what no provider id contains.
 */
import {
  defaultFieldResolver,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
  getNullableType,
  isInputObjectType,
  isListType,
  isScalarType,
} from 'graphql';
import { decodeGlobalId } from '../ids.js';
import { ErrorCode, GatewayError } from '../sdk/errors.js';

export const MAX_NATIVE_ID_CHARS = 256;
const MAX_GLOBAL_ID_CHARS = 1_024;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const NAMED_IDS = new Set(['nativeId', 'account']);
/** Federation's scalar of `_entities(representations:)` (server.federation): objects with an entity's key fields. */
const ENTITY_REPRESENTATION = '_Any';

function checkText(value: string, field: string, max: number): void {
  if (value.length === 0 || value.length > max || CONTROL_CHARACTERS.test(value))
    throw new GatewayError(
      ErrorCode.BAD_USER_INPUT,
      `${field} must be 1 to ${max} characters without control characters.`,
      { field },
    );
}

function checkValue(value: unknown, type: GraphQLInputType, name: string, path: string): void {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (Array.isArray(value))
      for (const [i, item] of value.entries()) checkValue(item, nullable.ofType, name, `${path}[${i}]`);
    return;
  }
  if (isInputObjectType(nullable)) {
    for (const [key, field] of Object.entries(nullable.getFields()))
      checkValue((value as Record<string, unknown>)[key], field.type, key, `${path}.${key}`);
    return;
  }
  if (!isScalarType(nullable)) return;
  if (nullable.name === ENTITY_REPRESENTATION && value && typeof value === 'object' && !Array.isArray(value)) {
    // A federation router's entity reference (`_entities`): its key fields are ids like the arguments' own
    // (`name` is ProviderAccount's key, an account name).
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') continue;
      if (key === 'name') checkText(item, `${path}.${key}`, MAX_NATIVE_ID_CHARS);
      else checkId(item, key === 'id' ? 'ID' : 'String', key, `${path}.${key}`);
    }
    return;
  }
  if (typeof value === 'string') checkId(value, nullable.name, name, path);
}

function checkId(value: string, scalar: string, name: string, path: string): void {
  if (scalar === 'ID') {
    checkText(value, path, MAX_GLOBAL_ID_CHARS);
    let decoded: { account: string; nativeId: string } | undefined;
    try {
      decoded = decodeGlobalId(value);
    } catch {
      return; // malformed: the resolver says so with its own message
    }
    checkText(decoded.account, `${path} (its account)`, MAX_NATIVE_ID_CHARS);
    checkText(decoded.nativeId, `${path} (its native id)`, MAX_NATIVE_ID_CHARS);
  } else if (NAMED_IDS.has(name)) {
    checkText(value, path, MAX_NATIVE_ID_CHARS);
  }
}

function checkArgs(field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): void {
  for (const arg of field.args) checkValue(args[arg.name], arg.type, arg.name, arg.name);
}

const checked = new WeakSet<GraphQLSchema>();

/** Wraps every root field with arguments (resolve, and subscribe) in the checks; once per schema. */
export function checkIdsAtTheEdge(schema: GraphQLSchema): GraphQLSchema {
  if (checked.has(schema)) return schema;
  checked.add(schema);
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      if (field.args.length === 0) continue;
      const wrap = (inner: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> =>
        function checkedResolver(source, args, context, info) {
          checkArgs(field, args);
          return inner(source, args, context, info);
        };
      // A subscription's arguments are checked once, when it starts; its resolve maps each event.
      if (field.subscribe) field.subscribe = wrap(field.subscribe);
      else field.resolve = wrap(field.resolve ?? defaultFieldResolver);
    }
  }
  return schema;
}
