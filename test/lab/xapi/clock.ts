// The lab clock: lab time runs `speed` times faster than real time and can jump forward, so
// that task timeouts of a day can be exercised in seconds. Record dates and the task GC use it.

export interface LabTimer {
  cancel(): void
}

export class LabClock {
  private readonly realStart = Date.now()
  private readonly labStart: number
  private skippedMs = 0
  private readonly timers = new Set<PeriodicTimer>()

  constructor(readonly speed = 1) {
    if (!(speed > 0)) throw new RangeError(`clock speed must be positive, got ${speed}`)
    this.labStart = this.realStart
  }

  /** Lab time, in milliseconds since the Unix epoch. */
  now(): number {
    return this.labStart + (Date.now() - this.realStart) * this.speed + this.skippedMs
  }

  /** Jumps lab time forward; before it returns, periodic timers run once for every period that elapsed. */
  advance(ms: number): void {
    this.skippedMs += ms
    for (const timer of [...this.timers]) timer.runDue()
  }

  /** Calls `tick` every `periodMs` of lab time. */
  every(periodMs: number, tick: () => void): LabTimer {
    const timer = new PeriodicTimer(this, periodMs, tick, () => this.timers.delete(timer))
    this.timers.add(timer)
    timer.schedule()
    return timer
  }

  close(): void {
    for (const timer of [...this.timers]) timer.cancel()
  }
}

class PeriodicTimer implements LabTimer {
  private nextDue: number
  private handle: NodeJS.Timeout | undefined

  constructor(
    private readonly clock: LabClock,
    private readonly periodMs: number,
    private readonly tick: () => void,
    private readonly onCancel: () => void
  ) {
    this.nextDue = clock.now() + periodMs
  }

  schedule(): void {
    clearTimeout(this.handle)
    const realDelay = Math.max(0, (this.nextDue - this.clock.now()) / this.clock.speed)
    this.handle = setTimeout(() => this.runDue(), realDelay)
  }

  runDue(): void {
    try {
      while (this.nextDue <= this.clock.now()) {
        this.nextDue += this.periodMs
        this.tick()
      }
    } finally {
      this.schedule()
    }
  }

  cancel(): void {
    clearTimeout(this.handle)
    this.onCancel()
  }
}
