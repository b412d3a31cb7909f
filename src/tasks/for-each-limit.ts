/**
 * Runs `fn` over `items`, `limit` at a time, and resolves to the results in item order. The first
 * failure aborts `stop` (so work running beside it ends early: the caller hangs its own signals
 * on `stop`) and is what this rejects with, rather than the aborts it caused.
 */
export async function forEachLimit<T, R>(items: readonly T[], limit: number, stop: AbortController, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  let first: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (first === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (error) {
        first ??= { error };
        stop.abort(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (first !== undefined) throw first.error;
  return results;
}
