// One lock per pool, within this xo-server, shared by the change gate (file writes) and the restart
// service: no file of a pool is written while its toolstack restarts, and no restart starts while a
// change of its files runs (a host restarted mid-change would load half of it). Changes of one pool wait
// for each other; changes of different pools run in parallel. (Each host's `xe-toolstack-restart` also
// takes its own lock, but `host.restart_agent` hides a lock conflict, and two rolls of one pool would
// take down two hosts at once.)
//
// A rollout reserves every pool it will change for as long as it runs: its own changes and restarts take
// the lock as usual (they run inside `asRollout`), every other call on those pools is refused naming it.
import { AsyncLocalStorage } from 'node:async_hooks'
import { incorrectState, throwDetailed } from '../xo/errors'

export interface PoolOperation {
  kind: 'restart' | 'change' | 'rollout'
  /** Who started it, for the refusal's message. */
  by?: string
  startedAt: number
  /** What it does, e.g. `apply of zz-xo-xapi-config.conf`. */
  reason: string
}

/** The rollout whose work runs in the current async context, if any. */
const rolloutContext = new AsyncLocalStorage<string>()

export class PoolLocks {
  readonly #held = new Map<string, PoolOperation>()
  readonly #changes = new Map<string, Promise<unknown>>()
  readonly #reserved = new Map<string, PoolOperation & { rolloutId: string }>()

  /** What holds the pool now, if anything. */
  holder(poolId: string): PoolOperation | undefined {
    return this.#held.get(poolId)
  }

  /**
   * Reserves every pool for a rollout, or none: `incorrectState` naming the holder when one is held or
   * reserved. Returns the release of each pool.
   */
  reserve(poolIds: readonly string[], rolloutId: string, operation: PoolOperation): Map<string, () => void> {
    for (const poolId of poolIds) {
      const current = this.#reserved.get(poolId) ?? this.#held.get(poolId)
      if (current !== undefined) {
        refuse(poolId, current)
      }
    }
    const reservation = { ...operation, rolloutId }
    return new Map(
      poolIds.map(poolId => {
        this.#reserved.set(poolId, reservation)
        const release = () => {
          if (this.#reserved.get(poolId) === reservation) {
            this.#reserved.delete(poolId)
          }
        }
        return [poolId, release]
      })
    )
  }

  /** Runs `work` as the rollout's: the pools it reserved let its changes and restarts through. */
  asRollout<T>(rolloutId: string, work: () => Promise<T>): Promise<T> {
    return rolloutContext.run(rolloutId, work)
  }

  /** Takes the pool at once and returns its release; `incorrectState` naming the holder when it is taken. */
  acquire(poolId: string, operation: PoolOperation): () => void {
    this.#refuseOthersRollout(poolId)
    const current = this.#held.get(poolId)
    if (current !== undefined) {
      refuse(poolId, current)
    }
    this.#held.set(poolId, operation)
    return () => {
      if (this.#held.get(poolId) === operation) {
        this.#held.delete(poolId)
      }
    }
  }

  /**
   * Runs `work` holding the pool, after the changes of the pool queued before it. Refused at once, and
   * again at its turn, while a restart holds the pool.
   */
  queue<T>(poolId: string, operation: PoolOperation, work: () => Promise<T>): Promise<T> {
    this.#refuseRestart(poolId)
    const turn = async () => {
      const release = this.acquire(poolId, operation)
      try {
        return await work()
      } finally {
        release()
      }
    }
    const previous = this.#changes.get(poolId) ?? Promise.resolve()
    const result = previous.then(turn, turn)
    const settled = result.catch(() => {})
    this.#changes.set(poolId, settled)
    void settled.then(() => {
      if (this.#changes.get(poolId) === settled) {
        this.#changes.delete(poolId)
      }
    })
    return result
  }

  #refuseOthersRollout(poolId: string): void {
    const reservation = this.#reserved.get(poolId)
    if (reservation !== undefined && rolloutContext.getStore() !== reservation.rolloutId) {
      refuse(poolId, reservation)
    }
  }

  #refuseRestart(poolId: string): void {
    this.#refuseOthersRollout(poolId)
    const current = this.#held.get(poolId)
    if (current?.kind === 'restart') {
      refuse(poolId, current)
    }
  }
}

function refuse(poolId: string, current: PoolOperation): never {
  const actual = describeOperation(current)
  return throwDetailed(
    () => incorrectState({ object: poolId, property: 'runningOperation', actual, expected: 'no restart, change or rollout of this pool running' }),
    `${actual}; wait for it to end`,
    {}
  )
}

export function describeOperation({ kind, by, startedAt, reason }: PoolOperation): string {
  const who = by === undefined ? '' : ` by ${by}`
  const what = kind === 'restart' ? `a toolstack restart (${reason})` : kind === 'rollout' ? reason : `a change of its files (${reason})`
  return `${what} has been running since ${new Date(startedAt).toISOString()}${who}`
}
