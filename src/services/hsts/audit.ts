// The HSTS section of the scheduled audit: every host that is `danger` (a lockout risk whatever the
// desired state says), and every host that is `off` where the settings' desired drop-ins turn HSTS on.
import { compareNames } from '../../conf/effective'
import type { DesiredDropIn } from '../dropins/desired'
import type { HostAttention, HstsReport } from './report'
import { HSTS_KEY, type HstsVerdict } from './verdict'

export interface HstsFinding extends HostAttention {
  /** The max-age the desired drop-ins ask for on the host's pool, when they set one. */
  desiredMaxAge?: number
}

export interface HstsAuditSection {
  findings: HstsFinding[]
  report: HstsReport
}

/** The effective desired `hsts_max_age` of a pool: drop-ins read in byte order, the last one wins. */
export function desiredMaxAge(desired: readonly DesiredDropIn[], poolId: string): number | undefined {
  const value = desired
    .filter(entry => entry.pools.length === 0 || entry.pools.includes(poolId))
    .filter(entry => entry.settings[HSTS_KEY.key] !== undefined)
    .sort((a, b) => compareNames(a.file, b.file))
    .at(-1)?.settings[HSTS_KEY.key]
  return value === undefined ? undefined : Number(value)
}

export function hstsFindings(report: HstsReport, desired: readonly DesiredDropIn[]): HstsFinding[] {
  return report.pools.flatMap(pool => {
    const wanted = desiredMaxAge(desired, pool.id)
    return pool.hosts.flatMap((row): HstsFinding[] =>
      row.ok && isFinding(row.verdict, wanted)
        ? [{ host: row.host, pool: pool.label, verdict: row.verdict, explanation: row.explanation, desiredMaxAge: wanted }]
        : []
    )
  })
}

function isFinding(verdict: HstsVerdict, desired: number | undefined): boolean {
  return verdict === 'danger' || (verdict === 'off' && desired !== undefined && desired > 0)
}

export function auditSection(report: HstsReport, desired: readonly DesiredDropIn[]): HstsAuditSection {
  return { findings: hstsFindings(report, desired), report }
}
