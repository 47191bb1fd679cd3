/** Errors become GraphQL errors here, at the edge, and nowhere else. */
import { GraphQLError } from 'graphql';
import { ErrorCode, GatewayError, ProviderError } from '../sdk/errors.js';

/** A GraphQLError with a public code, for what graphql-js itself must see as one (scalar parsing). */
export function graphQLError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** Turns anything thrown below a resolver into a GraphQLError with a public code and no internals. */
export function toGraphQLError(error: unknown, path?: readonly (string | number)[]): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof GatewayError) {
    return new GraphQLError(error.message, { path, extensions: { ...error.extensions, code: error.code } });
  }
  if (error instanceof ProviderError) {
    return new GraphQLError(`${error.account}: ${error.message}`, {
      path,
      extensions: {
        code: error.code,
        account: error.account,
        provider: error.provider,
        ...(error.providerCode ? { providerCode: error.providerCode } : {}),
        ...(error.status ? { providerStatus: error.status } : {}),
        ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
      },
    });
  }
  return new GraphQLError('Internal error', { path, extensions: { code: ErrorCode.INTERNAL } });
}
