// One restart per pool at a time, within this xo-server. (Each host's `xe-toolstack-restart` also takes
// its own lock, but `host.restart_agent` hides a lock conflict, and two rolls of one pool would take
// down two hosts at once.)
import { incorrectState } from '../../xo/errors'
import { throwDetailed } from './refusals'

export interface RestartHolder {
  /** Who started it, for the refusal's message. */
  by?: string
  startedAt: number
  reason: string
}

export class PoolRestartLocks {
  readonly #held = new Map<string, RestartHolder>()

  /** What holds the pool now, if anything. */
  holder(poolId: string): RestartHolder | undefined {
    return this.#held.get(poolId)
  }

  /** Takes the pool's lock and returns its release; a second caller gets `incorrectState`. */
  acquire(poolId: string, holder: RestartHolder): () => void {
    const current = this.#held.get(poolId)
    if (current !== undefined) {
      const actual = describeHolder(current)
      throwDetailed(
        () => incorrectState({ object: poolId, property: 'toolstackRestart', actual, expected: 'no restart running' }),
        `${actual}; wait for it to end`,
        {}
      )
    }
    this.#held.set(poolId, holder)
    return () => {
      if (this.#held.get(poolId) === holder) {
        this.#held.delete(poolId)
      }
    }
  }
}

export function describeHolder({ by, startedAt, reason }: RestartHolder): string {
  const who = by === undefined ? '' : ` by ${by}`
  return `a toolstack restart (${reason}) has been running since ${new Date(startedAt).toISOString()}${who}`
}
