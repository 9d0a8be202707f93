// The HSTS service: checks hosts fleet-wide (bounded, one row per host whatever happens to it), feeds
// the scheduled audit, and changes `hsts_max_age` through the drop-in service.
import type { Settings } from '../../settings/settings'
import { getHost, getPools, getUnconnectedServers, resolveScope, type HostTarget, type PoolTarget } from '../../xo/targets'
import { invalidParameters, paramError } from '../../xo/errors'
import type { XoApp, XoUser } from '../../xo/types'
import { mapHosts } from '../fleet'
import { parseDesired } from '../dropins/desired'
import { auditSection, type HstsAuditSection } from './audit'
import { checkHostHsts, type HostHstsCheck } from './check'
import type { TreeReader } from './configured'
import { fleetReport, poolReport, type HstsReport, type PoolHstsReport } from './report'
import { nextStepAfter, untrustedHosts, valueToWrite, type SetHstsParams, type SetHstsResult, type UntrustedHost } from './set'
import { createTrustContext, type TrustContext } from './trust'
import { HSTS_KEY } from './verdict'

/** The drop-in service's entry point (src/services/dropins/index.ts), as far as setHsts uses it. */
export interface DropInApplier {
  apply(
    params: { pool?: string; hosts?: string[]; settings: Record<string, number | null>; restart?: boolean; allowUntrustedCertificate?: boolean },
    context: { user?: XoUser }
  ): Promise<{ untrustedAccepted?: UntrustedHost[] }>
}

export interface HstsServiceDeps {
  xo: XoApp
  settings: Settings
  /** SSH access, to read what the files configure; without it that part of the check is unknown. */
  access?: TreeReader
  dropIns: DropInApplier
  /** HTTPS port of every host: 443 on XCP-ng. */
  port?: number
}

export interface CheckScope {
  pools?: string[]
  hosts?: string[]
}

export type CheckProgress = (done: number, total: number) => void

/** Hosts to check, grouped by pool for the report. */
export type PoolHosts = Pick<PoolTarget, 'id' | 'label' | 'hosts'>

export class HstsService {
  readonly #deps: HstsServiceDeps
  #trust: TrustContext | undefined

  constructor(deps: HstsServiceDeps) {
    this.#deps = deps
  }

  /** Checks the hosts of the given pools (default: every connected pool), or the given hosts. */
  async check({ pools, hosts }: CheckScope, onProgress?: CheckProgress): Promise<HstsReport> {
    if (pools !== undefined && hosts !== undefined) {
      invalidParameters('give `pools` or `hosts`, not both', [paramError('', 'pools and hosts are exclusive', { keyword: 'oneOf' })])
    }
    const { xo } = this.#deps
    const targets = hosts === undefined ? getPools(xo, pools) : poolsOfHosts(hosts.map(id => getHost(xo, id)))
    const unconnected = pools === undefined && hosts === undefined ? await getUnconnectedServers(xo) : []
    const reports = await this.checkPools(targets, onProgress)
    const trust = this.#trustContext()
    return fleetReport(reports, unconnected, { extraCertificates: trust.extraCertificates, warnings: trust.warnings })
  }

  /** Every host of these pools at once (within the concurrency bound), reported pool by pool. */
  async checkPools(pools: readonly PoolHosts[], onProgress?: CheckProgress): Promise<PoolHstsReport[]> {
    const hosts = pools.flatMap(pool => pool.hosts)
    let done = 0
    const rows = await mapHosts(hosts, this.#deps.settings.concurrency, async host => {
      const check = await this.#checkHost(host)
      onProgress?.(++done, hosts.length)
      return check
    })
    return pools.map(pool => poolReport(pool, rows.filter(row => row.host.poolId === pool.id)))
  }

  /** The HSTS section of the scheduled audit (src/services/dropins/schedule.ts calls it). */
  async auditSection(): Promise<HstsAuditSection> {
    return auditSection(await this.check({}), parseDesired(this.#deps.settings.desired))
  }

  /** Writes `hsts_max_age` on a pool or some of its hosts; see SetHstsParams. */
  async set(params: SetHstsParams, context: { user?: XoUser }): Promise<SetHstsResult> {
    const written = valueToWrite(params)
    const pool = resolveScope(this.#deps.xo, params)
    const { pool: poolId, hosts, restart, allowUntrustedCertificate } = params
    const settings = { [HSTS_KEY.key]: written }
    const change = await this.#deps.dropIns.apply({ pool: poolId, hosts, settings, restart, allowUntrustedCertificate }, context)
    const result: SetHstsResult = { hstsMaxAge: written, change, nextStep: nextStepAfter(written, params) }
    if (change.untrustedAccepted !== undefined) {
      result.untrustedAccepted = change.untrustedAccepted
    }
    if (restart === true) {
      ;[result.after] = await this.checkPools([pool])
    }
    return result
  }

  /** The hosts of a pool whose certificate browsers would not trust: the change gate's HSTS lockout rule asks. */
  async untrusted(pool: PoolHosts): Promise<UntrustedHost[]> {
    const [report] = await this.checkPools([pool])
    return untrustedHosts(report.hosts)
  }

  #checkHost(host: HostTarget): Promise<HostHstsCheck> {
    const { settings, access, port } = this.#deps
    return checkHostHsts(host, { trust: this.#trustContext(), access, timeoutMs: settings.timeouts.https * 1000, port })
  }

  #trustContext(): TrustContext {
    return (this.#trust ??= createTrustContext(this.#deps.settings.trustedCertificates))
  }
}

/** Groups hosts picked one by one into their pools, in the order first met. */
function poolsOfHosts(hosts: HostTarget[]): PoolHosts[] {
  const pools = new Map<string, PoolHosts>()
  for (const host of hosts) {
    const pool = pools.get(host.poolId) ?? { id: host.poolId, label: host.poolLabel, hosts: [] }
    pool.hosts.push(host)
    pools.set(host.poolId, pool)
  }
  return [...pools.values()]
}
