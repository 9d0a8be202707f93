// The lab clock: lab time runs `speed` times faster than real time and can jump forward, so
// that task timeouts of a day and SSH expiries of hours can be exercised in seconds. Record
// dates, the task GC, XAPI's SSH disable job and the SSH monitor use it.

export interface LabTimer {
  cancel(): void
}

/** What a timer runs; a promise is waited for by `advance`. */
export type Tick = () => unknown

export class LabClock {
  private readonly realStart = Date.now()
  private readonly labStart: number
  private skippedMs = 0
  private readonly timers = new Set<ClockTimer>()
  /** Work started by timers and not finished yet (sshd starting or stopping). */
  private readonly running = new Set<Promise<unknown>>()

  constructor(readonly speed = 1) {
    if (!(speed > 0)) throw new RangeError(`clock speed must be positive, got ${speed}`)
    this.labStart = this.realStart
  }

  /** Lab time, in milliseconds since the Unix epoch. */
  now(): number {
    return this.labStart + (Date.now() - this.realStart) * this.speed + this.skippedMs
  }

  /**
   * Jumps lab time forward. Before it returns, every timer that fell due runs (periodic ones once
   * for every period that elapsed); the promise resolves once what they started has finished.
   */
  advance(ms: number): Promise<void> {
    this.skippedMs += ms
    for (const timer of [...this.timers]) timer.runDue()
    return this.settled()
  }

  /** Resolves once the work timers started has finished. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running])
  }

  /** Calls `tick` every `periodMs` of lab time. */
  every(periodMs: number, tick: Tick): LabTimer {
    return this.add(this.now() + periodMs, tick, periodMs)
  }

  /** Calls `tick` once, when lab time reaches `dueMs`. */
  at(dueMs: number, tick: Tick): LabTimer {
    return this.add(dueMs, tick, undefined)
  }

  /** Runs `work` now, counted by `settled`/`advance` until it finishes. */
  track(work: Promise<unknown>): void {
    const tracked = work.finally(() => this.running.delete(tracked))
    tracked.catch(() => undefined)
    this.running.add(tracked)
  }

  close(): void {
    for (const timer of [...this.timers]) timer.cancel()
  }

  private add(dueMs: number, tick: Tick, periodMs: number | undefined): LabTimer {
    const timer: ClockTimer = new ClockTimer(this, dueMs, periodMs, tick, () => this.timers.delete(timer))
    this.timers.add(timer)
    timer.schedule()
    return timer
  }
}

class ClockTimer implements LabTimer {
  private handle: NodeJS.Timeout | undefined
  private cancelled = false

  constructor(
    private readonly clock: LabClock,
    private nextDue: number,
    /** Undefined for a one-shot timer. */
    private readonly periodMs: number | undefined,
    private readonly tick: Tick,
    private readonly onCancel: () => void
  ) {}

  schedule(): void {
    clearTimeout(this.handle)
    if (this.cancelled) return
    const realDelay = Math.max(0, (this.nextDue - this.clock.now()) / this.clock.speed)
    this.handle = setTimeout(() => this.runDue(), realDelay)
  }

  runDue(): void {
    try {
      while (!this.cancelled && this.nextDue <= this.clock.now()) {
        if (this.periodMs === undefined) this.cancel()
        else this.nextDue += this.periodMs
        const result = this.tick()
        if (result instanceof Promise) this.clock.track(result)
      }
    } finally {
      this.schedule()
    }
  }

  cancel(): void {
    this.cancelled = true
    clearTimeout(this.handle)
    this.onCancel()
  }
}
