// A counting wrapper around an SFTP channel that plays the network in lock step: answers are held back
// and released together once every request of the current round is answered and the client is quiet.
// A request sent while a round's answers are handled belongs to the next round, so the number of rounds
// an operation needs is its number of sequential round trips, whatever the real timings.
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { SFTPWrapper } from 'ssh2'

const REQUESTS = new Set([
  'open', 'close', 'read', 'write', 'fstat', 'stat', 'lstat', 'opendir', 'readdir', 'readlink', 'realpath',
  'fchmod', 'chmod', 'mkdir', 'unlink', 'rename', 'ext_openssh_rename', 'ext_openssh_fsync', 'ext_openssh_statvfs',
])

export interface SentRequest {
  operation: string
  round: number
  answered: boolean
}

export interface Counted<T> {
  result: T
  /** Rounds of answers the operation waited for before it settled. */
  roundTrips: number
  /** Every request, including the ones it sent without waiting (closes), answered by the end. */
  requests: SentRequest[]
}

export class LockstepSftp {
  readonly sftp: SFTPWrapper
  #round = 1
  #requests: SentRequest[] = []
  #held: Array<() => void> = []
  #counting = false

  constructor(real: SFTPWrapper) {
    this.sftp = new Proxy(real, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown
        if (typeof value !== 'function' || typeof property !== 'string' || !REQUESTS.has(property)) {
          return value
        }
        return (...args: unknown[]) => this.#send(property, value as (...a: unknown[]) => unknown, target, args)
      },
    })
  }

  async count<T>(operation: () => Promise<T>): Promise<Counted<T>> {
    this.#round = 1
    this.#requests = []
    this.#counting = true
    try {
      return await this.#play(operation)
    } finally {
      this.#counting = false
    }
  }

  async #play<T>(operation: () => Promise<T>): Promise<Counted<T>> {
    let outcome: { value: T } | { error: unknown } | undefined
    operation().then(
      value => (outcome = { value }),
      (error: unknown) => (outcome = { error })
    )
    let roundTrips = 0
    while (outcome === undefined) {
      await this.#roundAnswered()
      if (outcome !== undefined) break
      if (this.#held.length === 0) throw new Error('the operation waits for something that is no SFTP answer')
      roundTrips++
      this.#release()
    }
    while (this.#held.length > 0 || this.#requests.some(request => !request.answered)) {
      await this.#roundAnswered()
      this.#release()
    }
    if ('error' in outcome) throw outcome.error
    return { result: outcome.value, roundTrips, requests: this.#requests }
  }

  #send(operation: string, method: (...a: unknown[]) => unknown, target: SFTPWrapper, args: unknown[]): unknown {
    if (!this.#counting) {
      return method.apply(target, args)
    }
    const request: SentRequest = { operation, round: this.#round, answered: false }
    this.#requests.push(request)
    const last = args.length - 1
    const callback = args[last] as (...results: unknown[]) => void
    args[last] = (...results: unknown[]) => {
      request.answered = true
      this.#held.push(() => callback(...results))
    }
    return method.apply(target, args)
  }

  async #roundAnswered(): Promise<void> {
    await nextTurn() // the client sends what the last answers called for
    while (this.#requests.some(request => request.round === this.#round && !request.answered)) {
      await new Promise(resolve => setTimeout(resolve, 1))
    }
    await nextTurn()
  }

  #release(): void {
    this.#round++
    const answers = this.#held
    this.#held = []
    answers.forEach(answer => answer())
  }
}
