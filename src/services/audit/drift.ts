// Drift between the hosts of one pool: keys whose effective value is not the same on every host.
import { displayValue } from '../../conf/display'

export interface HostValues {
  hostId: string
  label: string
  /** Effective values as XAPI holds them (`172800.`), for the keys the host's files set. */
  values: Record<string, string>
}

export interface DriftEntry {
  key: string
  /** One entry per host: `value` as XAPI holds it, `display` as an admin writes it; `fromDefault` when no file of that host sets the key. */
  values: Array<{ hostId: string; label: string; value: string; display: string; fromDefault: boolean }>
}

/** `defaultOf(key)` gives XAPI's built-in value, so a key set to its default on one host is no drift. */
export function poolDrift(hosts: readonly HostValues[], defaultOf: (key: string) => string | undefined): DriftEntry[] {
  const keys = new Set(hosts.flatMap(host => Object.keys(host.values)))
  const drift: DriftEntry[] = []
  for (const key of [...keys].sort()) {
    const values = hosts.map(({ hostId, label, values }) => {
      const value = values[key] ?? defaultOf(key) ?? ''
      return { hostId, label, value, display: displayValue(key, value), fromDefault: values[key] === undefined }
    })
    if (new Set(values.map(entry => entry.value)).size > 1) {
      drift.push({ key, values })
    }
  }
  return drift
}
