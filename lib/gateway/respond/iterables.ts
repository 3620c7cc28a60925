/**
 * An async iterable whose cleanup also runs when the consumer stops before
 * the first `next()`: a generator that never started skips its `finally`, so
 * a response stream the adapter abandons at once (client gone before the
 * first write) would otherwise keep its upstream connection or its
 * idempotency key until they time out. `cleanup` must be idempotent.
 */
export function withCleanup<T>(source: AsyncGenerator<T, void, undefined>, cleanup: () => unknown): AsyncIterable<T> {
  let started = false;
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        started = true;
        return source.next();
      },
      return: async () => {
        if (!started) await cleanup();
        return source.return(undefined);
      },
      throw: (e: unknown) => source.throw(e),
    }),
  };
}
