// The daily window in which a rollout may start a pool's restart: `start` and `end` as HH:MM in an IANA
// time zone, `end` excluded; a window whose end is before its start wraps midnight (22:00–04:00).
import { invalidParameters, paramError } from '../../xo/errors'

export interface RestartWindow {
  /** HH:MM, 24-hour clock. */
  start: string
  end: string
  /** IANA time zone, e.g. `Europe/Paris`; `UTC` for UTC. */
  timeZone: string
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/

/** invalidParameters naming the field when a time is not HH:MM, the zone is unknown, or the window is empty. */
export function checkWindow(window: RestartWindow): RestartWindow {
  for (const field of ['start', 'end'] as const) {
    if (!HH_MM.test(window[field])) {
      invalidParameters(`window.${field} must be HH:MM (00:00 to 23:59)`, [paramError(`window.${field}`, 'must be HH:MM', { pattern: 'HH:MM' })])
    }
  }
  if (window.start === window.end) {
    invalidParameters('window.start and window.end are the same: the window would be empty', [paramError('window', 'empty window')])
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: window.timeZone })
  } catch {
    invalidParameters(`window.timeZone is not a known IANA time zone`, [paramError('window.timeZone', 'unknown time zone')])
  }
  return window
}

/** Whether `at` falls inside the window, in the window's time zone. */
export function isInsideWindow(window: RestartWindow, at: Date): boolean {
  const now = minutesOfDay(at, window.timeZone)
  const start = toMinutes(window.start)
  const end = toMinutes(window.end)
  return start < end ? now >= start && now < end : now >= start || now < end
}

/** The window as admins read it, e.g. `22:00–04:00 Europe/Paris`. */
export function describeWindow({ start, end, timeZone }: RestartWindow): string {
  return `${start}–${end} ${timeZone}`
}

function toMinutes(hhmm: string): number {
  const [, hours, minutes] = HH_MM.exec(hhmm)!
  return Number(hours) * 60 + Number(minutes)
}

function minutesOfDay(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at)
  const part = (type: string) => Number(parts.find(item => item.type === type)!.value)
  return part('hour') * 60 + part('minute')
}
