/**
 * Maps `items` through `task`, running at most `concurrency` tasks at once, and keeps the order.
 * After a failure no new task starts; the first error is thrown once the running ones settle,
 * so that the caller can clean up knowing that nothing is still being created.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++
      try {
        results[index] = await task(items[index], index)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  if (failure !== undefined) {
    throw failure.error
  }
  return results
}
