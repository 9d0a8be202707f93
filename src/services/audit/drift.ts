// Drift between the hosts of one pool: keys whose effective value is not the same on every host.

export interface HostValues {
  hostId: string
  label: string
  /** Effective values as XAPI holds them (`172800.`), for the keys the host's files set. */
  values: Record<string, string>
}

export interface DriftEntry {
  key: string
  /** One entry per host; `null` when no file sets the key (XAPI's default applies). */
  values: Array<{ hostId: string; label: string; value: string | null }>
}

export function poolDrift(hosts: readonly HostValues[]): DriftEntry[] {
  const keys = new Set(hosts.flatMap(host => Object.keys(host.values)))
  const drift: DriftEntry[] = []
  for (const key of [...keys].sort()) {
    const values = hosts.map(({ hostId, label, values }) => ({ hostId, label, value: values[key] ?? null }))
    if (new Set(values.map(entry => entry.value)).size > 1) {
      drift.push({ key, values })
    }
  }
  return drift
}
