/**
 * nock 15 (the only nock that intercepts undici, which our HTTP client uses) calls Promise.withResolvers,
 * which Node 20 lacks (it arrived in Node 22). This shim lets the same tests run on both supported Node
 * versions; it is loaded by vitest only, never by the gateway.
 */
if (!('withResolvers' in Promise)) {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
