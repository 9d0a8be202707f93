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

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution))
    }
    previous = current
  }
  return previous[b.length]
}

/** The settable catalog key closest to `key`, if one is close enough to be a likely typo. */
export function suggestKey(key: string): string | undefined {
  if (STOCK_MISNAMES[key] !== undefined) return STOCK_MISNAMES[key]
  const wanted = normalise(key)
  const budget = wanted.length <= 6 ? 1 : wanted.length <= 12 ? 2 : 3
  let best: { key: string; distance: number } | undefined
  for (const candidate of catalogKeys()) {
    if (candidate.includes(' ') || candidate === key) continue
    const distance = editDistance(wanted, normalise(candidate))
    if (distance <= budget && (best === undefined || distance < best.distance)) best = { key: candidate, distance }
  }
  return best?.key
}
