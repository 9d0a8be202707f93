// Tests run the plugin's scheduled jobs at once instead of waiting for their cron pattern.

/** The job functions the plugin hands to `@xen-orchestra/cron`, so that a test runs them at once. */
export function captureCronJobs(): { jobs: Array<() => unknown>; restore(): void } {
  const cron = require('@xen-orchestra/cron')
  const original = cron.createSchedule
  const jobs: Array<() => unknown> = []
  cron.createSchedule = (pattern: string, zone?: string) => {
    const schedule = original(pattern, zone)
    return Object.assign(Object.create(schedule), {
      startJob(fn: () => unknown) {
        jobs.push(fn)
        return schedule.startJob(fn)
      },
    })
  }
  return { jobs, restore: () => (cron.createSchedule = original) }
}
