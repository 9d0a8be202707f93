// Audit facts for the alert tests: pools with hosts whose XAPI starts or not, drift, desired-state
// compliance and HSTS verdicts, built as the audit, desired-state and HSTS services return them.
import type { FleetAudit, PoolAudit } from '../../src/services/audit/service'
import type { AuditFacts } from '../../src/services/alerts/findings'
import type { PoolCompliance } from '../../src/services/dropins/desired'
import { fleetReport, poolReport, type HstsRow } from '../../src/services/hsts/report'
import type { HstsVerdict } from '../../src/services/hsts/verdict'

export interface HostSpec {
  label: string
  wouldNotStart?: boolean
  unreachable?: boolean
  hsts?: HstsVerdict
  /** Differs from the desired drop-in. */
  missing?: boolean
  /** Its pending_task_timeout, for drift. */
  taskTimeout?: string
}

export interface PoolSpec {
  id: string
  label: string
  hosts: HostSpec[]
}

const hostRef = (pool: PoolSpec, host: HostSpec) => ({ id: `${pool.id}-${host.label}`, label: host.label, address: '192.0.2.1', poolId: pool.id, isMaster: false })

export function facts(pools: PoolSpec[], extra: { offWhereDesired?: string[] } = {}): AuditFacts {
  const fleet: FleetAudit = { pools: pools.map(poolAudit), unconnected: [], summary: {} as FleetAudit['summary'] }
  const compliance: PoolCompliance[] = pools.map(pool => ({
    pool: { id: pool.id, label: pool.label },
    file: 'zz-xo-xapi-config.conf',
    desiredIndex: 0,
    hosts: pool.hosts.map(host =>
      host.unreachable
        ? { host: hostRef(pool, host), ok: false as const, error: { message: 'connect ECONNREFUSED' } }
        : {
            host: hostRef(pool, host),
            ok: true as const,
            status: host.missing ? ('missing' as const) : ('compliant' as const),
            differences: host.missing ? [{ key: 'pending_task_timeout', desired: '172800', actual: null }] : [],
          }
    ),
  }))
  const report = fleetReport(
    pools.map(pool => poolReport(pool, pool.hosts.map(host => hstsRow(pool, host)))),
    [],
    { extraCertificates: 0, warnings: [] }
  )
  const offWhereDesired = new Set(extra.offWhereDesired ?? [])
  const findings = report.pools.flatMap(pool =>
    pool.hosts.flatMap(row =>
      row.ok && (row.verdict === 'danger' || (row.verdict === 'off' && offWhereDesired.has(row.host.label)))
        ? [{ host: row.host, pool: pool.label, verdict: row.verdict, explanation: row.explanation }]
        : []
    )
  )
  return { compliance, reapplied: [], hsts: { findings, report }, fleet }
}

function poolAudit(pool: PoolSpec): PoolAudit {
  const hosts = pool.hosts.map(host =>
    host.unreachable
      ? { host: hostRef(pool, host), ok: false as const, error: { message: 'connect ECONNREFUSED' } }
      : {
          host: hostRef(pool, host),
          ok: true as const,
          outcome: host.wouldNotStart ? ('exit1' as const) : ('starts' as const),
          errors: host.wouldNotStart ? [{ severity: 'error' as const, code: 'bad-number', file: '/etc/xapi.conf.d/bad.conf', line: 1, key: 'pending_task_timeout', message: 'pending_task_timeout = 48h is not a number: XAPI exits with status 1.' }] : [],
          warnings: 0,
          files: [],
          values: host.taskTimeout === undefined ? {} : { pending_task_timeout: host.taskTimeout },
          desired: [],
        }
  )
  const timeouts = pool.hosts.filter(host => !host.unreachable).map(host => ({ label: host.label, value: host.taskTimeout ?? '86400.' }))
  const drift =
    new Set(timeouts.map(entry => entry.value)).size > 1
      ? [{ key: 'pending_task_timeout', values: timeouts.map(({ label, value }) => ({ hostId: label, label, value, display: value, fromDefault: false })) }]
      : []
  return {
    pool: { id: pool.id, label: pool.label, haEnabled: false },
    hosts: hosts as PoolAudit['hosts'],
    drift,
    interrupted: [],
    summary: {
      hosts: hosts.length,
      unreachable: pool.hosts.filter(host => host.unreachable).length,
      wouldNotStart: pool.hosts.filter(host => host.wouldNotStart).length,
      driftingKeys: drift.length,
      nonCompliant: pool.hosts.filter(host => host.missing).length,
    },
  }
}

function hstsRow(pool: PoolSpec, host: HostSpec): HstsRow {
  if (host.unreachable) {
    return { host: hostRef(pool, host), ok: false, error: { message: 'connect ECONNREFUSED' } }
  }
  const verdict = host.hsts ?? 'off'
  return { host: hostRef(pool, host), ok: true, verdict, explanation: `explanation of ${verdict}`, xapi: {}, configured: { state: 'unknown', reason: 'not read' } }
}
