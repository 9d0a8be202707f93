// Per-pool and fleet summaries of HSTS checks, and the findings the scheduled audit reports.
import type { HostRef, HostRow } from '../fleet'
import type { PoolTarget, UnconnectedServer } from '../../xo/targets'
import type { HostHstsCheck } from './check'
import type { HstsVerdict } from './verdict'

/** A row whose check itself failed (a bug or an XO error, not a host problem) counts as `failed`. */
export type HstsTally = Partial<Record<HstsVerdict | 'failed', number>>

export type HstsRow = HostRow<HostHstsCheck>

export interface PoolHstsReport {
  id: string
  label: string
  /** e.g. `3 hosts: 2 ok, 1 danger` */
  summary: string
  verdicts: HstsTally
  hosts: HstsRow[]
}

export interface HostAttention {
  host: HostRef
  pool: string
  verdict: HstsVerdict | 'failed'
  explanation: string
}

export interface HstsReport {
  checkedAt: string
  summary: string
  verdicts: HstsTally
  /** Hosts an admin should look at: lockout risk, pending restart, unreachable, failed checks. */
  attention: HostAttention[]
  /** Hosts whose verdict a pending restart would change, but whose files could not be read (in time): why. */
  pendingRestartUnjudged: Array<{ host: HostRef; pool: string; reason: string }>
  pools: PoolHstsReport[]
  /** Pools XO cannot reach now: their hosts could not be listed, let alone checked. */
  unconnectedServers: UnconnectedServer[]
  trustStore: { extraCertificates: number; warnings: string[] }
}

const NEEDS_ATTENTION: ReadonlySet<HstsVerdict | 'failed'> = new Set(['danger', 'pending-restart', 'unreachable', 'failed'])

/** The order verdicts are listed in summaries: the most urgent first. */
const VERDICT_ORDER: Array<HstsVerdict | 'failed'> = [
  'danger',
  'pending-restart',
  'unreachable',
  'failed',
  'expiring',
  'off',
  'unsupported',
  'not-applicable',
  'ok',
]

export function verdictOf(row: HstsRow): HstsVerdict | 'failed' {
  return row.ok ? row.verdict : 'failed'
}

export function poolReport(pool: Pick<PoolTarget, 'id' | 'label'>, hosts: HstsRow[]): PoolHstsReport {
  const verdicts = tally(hosts)
  return { id: pool.id, label: pool.label, summary: summarize(hosts.length, verdicts), verdicts, hosts }
}

export function fleetReport(
  pools: PoolHstsReport[],
  unconnectedServers: UnconnectedServer[],
  trustStore: HstsReport['trustStore'],
  checkedAt = new Date()
): HstsReport {
  const rows = pools.flatMap(pool => pool.hosts)
  const verdicts = tally(rows)
  const unconnected = unconnectedServers.length === 0 ? '' : `; ${unconnectedServers.length} pool(s) not connected`
  const unjudged = pools.flatMap(pool => pendingRestartUnjudged(pool))
  const unjudgedNote = unjudged.length === 0 ? '' : `; pending restart not judged on ${unjudged.length} host(s)`
  return {
    checkedAt: checkedAt.toISOString(),
    summary: `${pools.length} pool(s), ${summarize(rows.length, verdicts)}${unconnected}${unjudgedNote}`,
    verdicts,
    attention: pools.flatMap(pool => attentionOf(pool)),
    pendingRestartUnjudged: unjudged,
    pools,
    unconnectedServers,
    trustStore,
  }
}

function attentionOf(pool: PoolHstsReport): HostAttention[] {
  return pool.hosts
    .filter(row => NEEDS_ATTENTION.has(verdictOf(row)))
    .map(row => ({
      host: row.host,
      pool: pool.label,
      verdict: verdictOf(row),
      explanation: row.ok ? row.explanation : `The check failed: ${row.error.message}`,
    }))
}

/** The verdicts a pending restart would have replaced: judged without the files, they may be out of date. */
const FILES_MAY_CHANGE: ReadonlySet<HstsVerdict> = new Set(['ok', 'off', 'expiring'])

function pendingRestartUnjudged(pool: PoolHstsReport): HstsReport['pendingRestartUnjudged'] {
  return pool.hosts.flatMap(row =>
    row.ok && FILES_MAY_CHANGE.has(row.verdict) && row.configured.state === 'unknown'
      ? [{ host: row.host, pool: pool.label, reason: row.configured.reason }]
      : []
  )
}

function tally(rows: HstsRow[]): HstsTally {
  const counts: HstsTally = {}
  for (const row of rows) {
    const verdict = verdictOf(row)
    counts[verdict] = (counts[verdict] ?? 0) + 1
  }
  return counts
}

function summarize(hosts: number, verdicts: HstsTally): string {
  const list = verdictList(verdicts)
  return `${hosts} host${hosts === 1 ? '' : 's'}${list === '' ? '' : `: ${list}`}`
}

/** `1 danger, 2 ok`: the most urgent first; empty when nothing was counted. */
export function verdictList(verdicts: HstsTally): string {
  return VERDICT_ORDER.filter(verdict => verdicts[verdict] !== undefined)
    .map(verdict => `${verdicts[verdict]} ${verdict}`)
    .join(', ')
}
