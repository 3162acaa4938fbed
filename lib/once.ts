/**
 * Wraps an asynchronous set-up step (connecting, building indexes, reading secrets) so that it runs
 * once per container: concurrent and later calls share the first call's promise. A failed attempt is
 * forgotten, so the next request tries again instead of failing until the container is recycled.
 */
export function onceUntilFailure<T>(step: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= step().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
