// What one run of the scheduled audit found, as the alerts report it: one row per pool (hosts, drift,
// non-compliant, HSTS verdicts, XAPI would not start) and one finding per problem, each weighed by
// FINDINGS (status.ts). Texts are raw here; each transport escapes and bounds them as it needs.
import { displayValue } from '../../conf/display'
import type { FleetAudit, PoolAudit } from '../audit/service'
import type { HostCompliance, KeyDifference, PoolCompliance, ReapplyOutcome } from '../dropins/desired'
import type { HstsAuditSection } from '../hsts/audit'
import type { HstsRow, HstsTally } from '../hsts/report'
import { FINDINGS, worstFirst, worstStatus, type AlertStatus, type FindingKind } from './status'

export interface AuditFacts {
  compliance: PoolCompliance[]
  reapplied: ReapplyOutcome[]
  /** Absent when the audit leaves HSTS out. */
  hsts?: Pick<HstsAuditSection, 'findings' | 'report'> | { error: string }
  /** Absent when the plugin has no fleet audit (unit tests). */
  fleet?: FleetAudit | { error: string }
}

export interface Finding {
  kind: FindingKind
  pool?: { id: string; label: string }
  /** The host or pool (or XO server) the finding is about. */
  subject: string
  text: string
}

export interface PoolRow {
  id: string
  label: string
  status: AlertStatus
  hosts: number
  unreachable: number
  wouldNotStart: number
  driftingKeys: number
  nonCompliant: number
  hsts: HstsTally
}

export interface Assessment {
  status: AlertStatus
  pools: PoolRow[]
  findings: Finding[]
  /** Automatic re-apply was off while some hosts differ from the desired drop-ins. */
  reapplyOff: boolean
}

const ADVICE: Readonly<Record<string, string>> = {
  missing: 'the file is gone (an ISO upgrade wipes /etc/xapi.conf.d)',
  changed: 'the file does not hold the desired values',
  overridden: 'another drop-in, read later, sets a different value',
}

const HSTS_KINDS: Readonly<Partial<Record<string, FindingKind>>> = {
  danger: 'hsts-danger',
  expiring: 'hsts-expiring',
  'pending-restart': 'hsts-pending-restart',
  unreachable: 'hsts-unreachable',
}

export function assess(facts: AuditFacts): Assessment {
  const findings = [
    ...fleetFindings(facts.fleet),
    ...complianceFindings(facts.compliance),
    ...facts.reapplied.map(reapplyFinding),
    ...hstsFindings(facts.hsts),
  ]
  const pools = poolRows(facts, findings)
  return {
    status: worstStatus(findings.map(finding => FINDINGS[finding.kind].status)),
    pools,
    findings,
    reapplyOff: facts.reapplied.length === 0 && findings.some(finding => finding.kind === 'non-compliant'),
  }
}

function fleetFindings(fleet: AuditFacts['fleet']): Finding[] {
  if (fleet === undefined) {
    return []
  }
  if ('error' in fleet) {
    return [{ kind: 'pool-unchecked', subject: 'every pool', text: `the configuration audit failed: ${fleet.error}` }]
  }
  return [
    ...fleet.pools.flatMap(poolFindings),
    ...(fleet.sshNotPutBack ?? []).map(failure => ({
      kind: 'ssh-not-put-back' as const,
      subject: failure.host.label,
      text: `opened for ${failure.why ?? 'an operation'} (${failure.at}) and not put back: ${failure.error}`,
    })),
    ...fleet.unconnected.map(server => ({
      kind: 'unconnected' as const,
      subject: server.label ?? server.address,
      text: `${server.status}${server.error === undefined ? '' : `: ${server.error}`}; its hosts were not checked`,
    })),
  ]
}

function poolFindings(audit: PoolAudit): Finding[] {
  const pool = { id: audit.pool.id, label: audit.pool.label }
  const findings: Finding[] = []
  for (const row of audit.hosts) {
    if (!row.ok) {
      findings.push({ kind: 'unreachable', pool, subject: row.host.label, text: row.error.message })
    } else if (row.outcome !== 'starts') {
      const first = row.errors[0]
      const where = first?.file == null || first.line == null ? '' : `${first.file}:${first.line}: `
      findings.push({ kind: 'would-not-start', pool, subject: row.host.label, text: `${where}${first?.message ?? `XAPI would not start (${row.outcome})`}` })
    }
  }
  for (const entry of audit.drift) {
    const values = entry.values.map(value => `${value.label} = ${value.display}${value.fromDefault ? ' (default)' : ''}`)
    findings.push({ kind: 'drift', pool, subject: pool.label, text: `\`${entry.key}\`: ${values.join(', ')}` })
  }
  for (const row of audit.ssh ?? []) {
    if (row.shouldBeClosed) {
      const closes = row.enabledTimeout === 0 ? 'XAPI will not close it' : `XAPI closes it at ${row.expiry}`
      findings.push({ kind: 'ssh-should-be-closed', pool, subject: row.host.label, text: `SSH is enabled (${closes}); the settings want it closed on this pool` })
    }
  }
  for (const change of audit.interrupted) {
    const mixed = change.mixed ? '; the pool is left mixed' : ''
    findings.push({ kind: 'interrupted', pool, subject: pool.label, text: `change ${change.changeId} of ${change.file} (${change.at})${mixed}: ${change.advice}` })
  }
  return findings
}

function complianceFindings(compliance: readonly PoolCompliance[]): Finding[] {
  return compliance.flatMap(item => {
    const pool = item.pool
    if (item.error !== undefined) {
      return [{ kind: 'pool-unchecked' as const, pool, subject: pool.label, text: `${item.file} not checked: ${item.error.message}` }]
    }
    return item.hosts.flatMap((row): Finding[] =>
      row.ok && row.status !== 'compliant' ? [{ kind: 'non-compliant', pool, subject: row.host.label, text: describeCompliance(row, item.file) }] : []
    )
  })
}

function describeCompliance(row: Extract<HostCompliance, { ok: true }>, file: string): string {
  const details = row.differences.map(formatDifference).join(', ')
  return `${file}: ${row.status}: ${ADVICE[row.status]}${details === '' ? '' : ` (${details})`}`
}

function formatDifference({ key, desired, actual, from }: KeyDifference): string {
  const source = from === undefined ? '' : ` from ${from ?? "XAPI's default"}`
  const shown = (value: string | null) => (value === null ? 'absent' : displayValue(key, value))
  return `\`${key}\`: ${shown(actual)}${source}, desired ${shown(desired)}`
}

function reapplyFinding(outcome: ReapplyOutcome): Finding {
  const { pool, file, hosts } = outcome
  const head = `${file} on ${hosts.length} host(s): `
  if (outcome.error !== undefined) {
    return { kind: 'reapply-failed', pool, subject: pool.label, text: head + `not written: ${outcome.error.message}` }
  }
  const result = outcome.result!
  const kind = result.outcome === 'applied' ? 'written-back' : 'reapply-failed'
  return { kind, pool, subject: pool.label, text: head + `${result.outcome} (change ${result.changeId}); restart the toolstack for XAPI to use the values` }
}

function hstsFindings(hsts: AuditFacts['hsts']): Finding[] {
  if (hsts === undefined) {
    return []
  }
  if ('error' in hsts) {
    return [{ kind: 'hsts-failed', subject: 'every host', text: `the HSTS check failed: ${hsts.error}` }]
  }
  const offWhereDesired = new Set(hsts.findings.filter(finding => finding.verdict === 'off').map(finding => finding.host.id))
  return hsts.report.pools.flatMap(pool =>
    pool.hosts.flatMap(row => {
      const kind = hstsKind(row, offWhereDesired)
      const text = row.ok ? `(${row.host.address}) ${row.explanation}` : `the check failed: ${row.error.message}`
      return kind === undefined ? [] : [{ kind, pool: { id: pool.id, label: pool.label }, subject: row.host.label, text }]
    })
  )
}

function hstsKind(row: HstsRow, offWhereDesired: ReadonlySet<string>): FindingKind | undefined {
  if (!row.ok) {
    return 'hsts-failed'
  }
  return row.verdict === 'off' && offWhereDesired.has(row.host.id) ? 'hsts-off' : HSTS_KINDS[row.verdict]
}

/** One row per pool that any part of the audit saw, worst status first. */
function poolRows(facts: AuditFacts, findings: readonly Finding[]): PoolRow[] {
  const rows = new Map<string, PoolRow>()
  const rowOf = (id: string, label: string) => {
    let row = rows.get(id)
    if (row === undefined) {
      row = { id, label, status: 'OK', hosts: 0, unreachable: 0, wouldNotStart: 0, driftingKeys: 0, nonCompliant: 0, hsts: {} }
      rows.set(id, row)
    }
    return row
  }
  if (facts.fleet !== undefined && !('error' in facts.fleet)) {
    for (const { pool, summary } of facts.fleet.pools) {
      Object.assign(rowOf(pool.id, pool.label), pick(summary, 'hosts', 'unreachable', 'wouldNotStart', 'driftingKeys', 'nonCompliant'))
    }
  }
  for (const item of facts.compliance) {
    const row = rowOf(item.pool.id, item.pool.label)
    row.hosts = Math.max(row.hosts, item.hosts.length)
  }
  for (const [poolId, hosts] of nonCompliantHosts(facts.compliance)) {
    rows.get(poolId)!.nonCompliant = hosts.size
  }
  if (facts.hsts !== undefined && !('error' in facts.hsts)) {
    for (const pool of facts.hsts.report.pools) {
      const row = rowOf(pool.id, pool.label)
      row.hsts = pool.verdicts
      row.hosts = Math.max(row.hosts, pool.hosts.length)
    }
  }
  for (const finding of findings) {
    if (finding.pool !== undefined) {
      const row = rowOf(finding.pool.id, finding.pool.label)
      row.status = worstStatus([row.status, FINDINGS[finding.kind].status])
    }
  }
  return [...rows.values()].sort(byStatusThenLabel)
}

/** Host ids that differ from any desired drop-in, by pool id. */
function nonCompliantHosts(compliance: readonly PoolCompliance[]): Map<string, Set<string>> {
  const byPool = new Map<string, Set<string>>()
  for (const item of compliance) {
    for (const row of item.hosts) {
      if (row.ok && row.status !== 'compliant') {
        byPool.set(item.pool.id, (byPool.get(item.pool.id) ?? new Set()).add(row.host.id))
      }
    }
  }
  return byPool
}

function pick<T extends object, K extends keyof T>(object: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map(key => [key, object[key]])) as Pick<T, K>
}

function byStatusThenLabel(a: PoolRow, b: PoolRow): number {
  return worstFirst(a.status, b.status) || a.label.localeCompare(b.label)
}
