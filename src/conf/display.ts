// Values as admins write them. XAPI prints floats as OCaml's string_of_float does (`86400.`); an admin
// writes `86400`, and reads `86400 (24 h)` at a glance. API results keep XAPI's form in `value`.
import { catalogEntry } from './catalog'

const INTEGRAL_FLOAT = /^-?\d+\.$/
const PLAIN_NUMBER = /^\d+(\.\d+)?$/

const MINUTE = 60
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** `86400.` → `86400`; every other printed value as it is (`0.5`, `1e+20`, `nan`, `true`, words). */
export function plainValue(printed: string): string {
  return INTEGRAL_FLOAT.test(printed) ? printed.slice(0, -1) : printed
}

/** The plain value, with a readable duration for whole minutes, hours or weeks of a key in seconds: `172800 (48 h)`. */
export function displayValue(key: string, printed: string): string {
  const plain = plainValue(printed)
  const duration = catalogEntry(key)?.unit === 'seconds' && PLAIN_NUMBER.test(plain) ? readableSeconds(Number(plain)) : undefined
  return duration === undefined ? plain : `${plain} (${duration})`
}

function readableSeconds(seconds: number): string | undefined {
  if (!Number.isInteger(seconds) || seconds < MINUTE) return undefined
  if (seconds % DAY === 0 && seconds >= 7 * DAY) return `${seconds / DAY} days`
  if (seconds % HOUR === 0) return `${seconds / HOUR} h`
  if (seconds % MINUTE === 0) return `${seconds / MINUTE} min`
  return undefined
}
