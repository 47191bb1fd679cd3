/**
 * The adapter SDK: the one module adapters import (published as `crossdock/adapter`). It holds the normalized
 * model, `defineAdapter` and the adapter contract, the public error codes, `ProviderError` and the one
 * classification of provider failures, and the helpers every provider needs (the HTTP client, input
 * problems from zod, value ranges, signing primitives, credential scrubbing). Nothing here imports graphql
 * or any other part of the gateway core.
 */
export * from './errors.js';
export * from './failures.js';
export * from './http.js';
export * from './inputs.js';
export * from './model.js';
export * from './ranges.js';
export * from './redact.js';
export * from './signing.js';
export * from './urls.js';
