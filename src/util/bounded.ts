/**
 * Maps `items` through `fn` with at most `limit` calls running at once, keeping the input order.
 * (A dozen lines, so no dependency: p-limit is ESM-only and this package builds to CommonJS.)
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++
      results[index] = await fn(items[index])
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
