/**
 * The adapter SDK: the one module adapters import (published as `crossdock/adapter`). It holds the normalized
 * model, `defineAdapter` and the adapter contract, the public error codes and `ProviderError`, and the
 * helpers every provider needs (the HTTP client, credential scrubbing). Nothing here imports graphql or any
 * other part of the gateway core.
 */
export * from './errors.js';
export * from './http.js';
export * from './model.js';
export * from './redact.js';
export * from './urls.js';
