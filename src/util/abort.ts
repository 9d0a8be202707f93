// Following an AbortSignal from many places at once (the steps of a task, the hosts a fleet call queues)
// through one listener per signal: one listener each would pass Node's limit of 10 and make it warn.

const followersOf = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>()

/** Calls `onAbort` with the reason when `signal` aborts (at once if it has); returns how to stop following it. */
export function followAbort(signal: AbortSignal, onAbort: (reason: unknown) => void): () => void {
  if (signal.aborted) {
    onAbort(signal.reason)
    return () => {}
  }
  let followers = followersOf.get(signal)
  if (followers === undefined) {
    const all = new Set<(reason: unknown) => void>()
    signal.addEventListener('abort', () => all.forEach(follower => follower(signal.reason)), { once: true })
    followersOf.set(signal, (followers = all))
  }
  const own = followers
  own.add(onAbort)
  return () => own.delete(onAbort)
}
