// The fleet-wide concurrency bound, counted in hosts: at most `limit` hosts are worked on at once, and a
// caller for a host that is already being worked on joins it without taking another slot (it shares that
// host's connection anyway). A plain call limiter such as p-limit counts calls, not hosts, so it does not fit.

import { followAbort } from '../util/abort'

type Release = () => void

interface Waiter {
  hostId: string
  admit: (release: Release) => void
}

export class HostSlots {
  readonly limit: number
  readonly #users = new Map<string, number>()
  readonly #waiting: Waiter[] = []

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`the concurrency limit must be a positive integer, got ${limit}`)
    }
    this.limit = limit
  }

  /** How many hosts hold a slot now. */
  get active(): number {
    return this.#users.size
  }

  /**
   * Resolves with a release function once `hostId` may be worked on; call it exactly once when done.
   * Rejects with the signal's reason, leaving the queue, when `signal` aborts before then.
   */
  acquire(hostId: string, signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) {
      return Promise.reject(signal.reason)
    }
    if (this.#canAdmit(hostId)) {
      return Promise.resolve(this.#admit(hostId))
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { hostId, admit: resolve }
      if (signal !== undefined) {
        const unfollow = followAbort(signal, reason => {
          this.#waiting.splice(this.#waiting.indexOf(waiter), 1)
          reject(reason)
        })
        waiter.admit = release => (unfollow(), resolve(release))
      }
      this.#waiting.push(waiter)
    })
  }

  #canAdmit(hostId: string): boolean {
    return this.#users.has(hostId) || this.#users.size < this.limit
  }

  #admit(hostId: string): Release {
    this.#users.set(hostId, (this.#users.get(hostId) ?? 0) + 1)
    let released = false
    return () => {
      if (!released) {
        released = true
        this.#leave(hostId)
      }
    }
  }

  #leave(hostId: string): void {
    const users = (this.#users.get(hostId) as number) - 1
    if (users > 0) {
      this.#users.set(hostId, users)
      return
    }
    this.#users.delete(hostId)
    this.#admitWaiting()
  }

  // Oldest first; a waiter whose host got a slot meanwhile joins it too.
  #admitWaiting(): void {
    for (let i = 0; i < this.#waiting.length; ) {
      const waiter = this.#waiting[i]
      if (this.#canAdmit(waiter.hostId)) {
        this.#waiting.splice(i, 1)
        waiter.admit(this.#admit(waiter.hostId))
      } else {
        i++
      }
    }
  }
}
