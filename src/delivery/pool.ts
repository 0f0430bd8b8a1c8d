/** A bounded pool of concurrent tasks that a stop signal ends early. */

/**
 * Runs `fn` over `items`, at most `size` at a time, in order. Once `signal` is aborted no new item is
 * started: those in hand finish, and the items never started are returned (empty when all ran).
 */
export async function runPool<T>(items: T[], size: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<T[]> {
  let next = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length && !signal?.aborted) await fn(items[next++]!);
  });
  await Promise.all(workers);
  return items.slice(next);
}
