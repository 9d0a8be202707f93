// The HSTS lockout rule of the change gate: a change that makes a host send HSTS with a new positive
// max-age is refused on every host whose certificate browsers would not trust (they could no longer
// click through the warning), unless the caller accepts the risk with `allowUntrustedCertificate`.
// Which change asks for it does not matter: apply, setHsts, revert, removeFile (a file that overrode
// the value goes away) or the desired state's re-apply.
import type { PoolTarget } from '../../xo/targets'
import { hostRef } from '../fleet'
import { summarize, type Planned } from '../dropins/plan'
import type { HostPreviewRow } from '../dropins/preview'
import { lockoutMessage, type UntrustedHost } from '../hsts/set'
import type { Reviewed } from './gate'

/** The hosts of `pool` whose certificate browsers would not trust, each with why. */
export type CertificateTrust = (pool: PoolTarget) => Promise<UntrustedHost[]>

const NO_TRUST_CHECK = 'the certificate trust check is not available'

export async function applyLockoutRule(planned: Planned, trust: CertificateTrust | undefined, allow: boolean): Promise<Reviewed> {
  const { plan, pool } = planned
  const concerned = new Set(plan.hosts.filter(row => row.ok && row.turnsHstsOn).map(row => row.host.id))
  if (concerned.size === 0) {
    return { ...planned, untrustedAccepted: [] }
  }
  const hosts = pool.hosts.filter(host => concerned.has(host.id))
  const untrusted = trust === undefined ? hosts.map(host => ({ host: hostRef(host), why: NO_TRUST_CHECK })) : await trust({ ...pool, hosts })
  if (allow) {
    return { ...planned, untrustedAccepted: untrusted }
  }
  const why = new Map(untrusted.map(entry => [entry.host.id, entry.why]))
  const rows = plan.hosts.map(row => withLockout(row, why.get(row.host.id)))
  return { plan: summarize(pool, plan.file, plan.settings, rows), pool, untrustedAccepted: [] }
}

function withLockout(row: HostPreviewRow, why: string | undefined): HostPreviewRow {
  if (!row.ok || why === undefined) {
    return row
  }
  return { ...row, refusals: [...row.refusals, { kind: 'forbidden', key: 'hsts_max_age', message: lockoutMessage(why) }] }
}
