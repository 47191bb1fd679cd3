/** What `run` threw, checked to be an instance of `type`; fails the test when it throws nothing or something else. */
// biome-ignore lint/suspicious/noExplicitAny: any constructor of an Error subclass, whatever its parameters.
export function thrown<E extends Error>(run: () => unknown, type: new (...args: any[]) => E): E {
  try {
    run();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected ${type.name}, but nothing was thrown`);
}
