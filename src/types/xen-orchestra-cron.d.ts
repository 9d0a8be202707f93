declare module '@xen-orchestra/cron' {
  export interface Schedule {
    /** Runs `fn` at every occurrence of the pattern; returns the function that stops it. */
    startJob(fn: () => unknown): () => void
    /** The next `n` occurrences. */
    next(n: number): Date[]
  }
  /** `pattern`: minute hour day-of-month month day-of-week; `zone`: `utc`, `local` or an IANA zone. Throws on a bad pattern. */
  export function createSchedule(pattern: string, zone?: string): Schedule
}
