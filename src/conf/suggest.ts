// "Did you mean": the catalog key an unknown key was probably meant to be.
import { catalogKeys } from './catalog'

// Names the stock /etc/xapi.conf mentions in comments that are not keys.
const STOCK_MISNAMES: Readonly<Record<string, string>> = {
  'message-limit': 'messages-limit',
  'update-mh-info-script': 'update-mh-info',
  'update-issue-script': 'update-issue',
  'kill-process-script': 'killall',
  firewall_port_config_script: 'firewall-port-config',
}

const normalise = (key: string) => key.toLowerCase().replace(/_/g, '-')

/**
 * Levenshtein distance when it is at most `budget`, else `budget + 1`. Only the cells within `budget`
 * of the diagonal are computed, and the walk stops once a whole row exceeds the budget: O(length × budget).
 */
function boundedEditDistance(a: string, b: string, budget: number): number {
  if (Math.abs(a.length - b.length) > budget) return budget + 1
  const over = budget + 1
  let previous = Array.from({ length: b.length + 1 }, (_, index) => Math.min(index, over))
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1).fill(over)
    current[0] = Math.min(i, over)
    let rowMin = current[0]
    for (let j = Math.max(1, i - budget); j <= Math.min(b.length, i + budget); j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution, over)
      rowMin = Math.min(rowMin, current[j])
    }
    if (rowMin >= over) return over
    previous = current
  }
  return previous[b.length]
}

/** Longer keys get no suggestion: no catalog key is nearly this long. */
export const MAX_SUGGESTED_KEY_LENGTH = 64

/** The settable catalog key closest to `key`, if one is close enough to be a likely typo. */
export function suggestKey(key: string): string | undefined {
  if (key.length > MAX_SUGGESTED_KEY_LENGTH) return undefined
  if (Object.hasOwn(STOCK_MISNAMES, key)) return STOCK_MISNAMES[key]
  const wanted = normalise(key)
  const budget = wanted.length <= 6 ? 1 : wanted.length <= 12 ? 2 : 3
  let best: { key: string; distance: number } | undefined
  for (const candidate of catalogKeys()) {
    if (candidate.includes(' ') || candidate === key) continue
    const distance = boundedEditDistance(wanted, normalise(candidate), budget)
    if (distance <= budget && (best === undefined || distance < best.distance)) best = { key: candidate, distance }
  }
  return best?.key
}
