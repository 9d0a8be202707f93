// The HSTS service: checks hosts fleet-wide (bounded, one row per host whatever happens to it), feeds
// the scheduled audit, and changes `hsts_max_age` through the drop-in service.
import type { Settings } from '../../settings/settings'
import { getHost, getPools, getUnconnectedServers, resolveScope, type HostTarget, type PoolTarget } from '../../xo/targets'
import { invalidParameters, paramError } from '../../xo/errors'
import type { XoApp, XoUser } from '../../xo/types'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Agent } from 'node:https'
import { mapBounded } from '../../util/bounded'
import { mapHosts } from '../fleet'
import { parseDesired } from '../dropins/desired'
import { auditSection, type HstsAuditSection } from './audit'
import { filesMatter, judgeHost, NOT_NEEDED, probeHost, readProbe, startFilesRead, type FilesRead, type Probed, type ProbeDeps } from './check'
import { readConfiguredHsts, treesThrough, type ReadTree, type TreeReader } from './configured'
import { probeAgent } from './probe'
import { fleetReport, poolReport, type HstsReport, type PoolHstsReport } from './report'
import { nextStepAfter, untrustedHosts, valueToWrite, type SetHstsParams, type SetHstsResult, type UntrustedHost } from './set'
import { createTrustContext, type TrustContext } from './trust'
import { HSTS_KEY, type ConfiguredHsts } from './verdict'

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

export interface CheckScope extends FilesOptions {
  pools?: string[]
  hosts?: string[]
}

export interface FilesOptions {
  /** Wait for every host's files; otherwise they get filesGraceMs once every host answered over HTTPS. */
  waitForFiles?: boolean
  /** false: no SSH at all, the verdicts from HTTPS alone (whether a restart is pending is not judged). */
  readFiles?: boolean
}

export interface CheckOptions extends FilesOptions {
  /** A read of the hosts' trees shared with other checks (the scheduled audit); default: through SSH access. */
  readTree?: ReadTree
}

const NOT_ASKED: ConfiguredHsts = { state: 'unknown', reason: 'not read: the check was asked not to read files (readFiles: false)' }

/**
 * How long the check waits for files still being read over SSH once every host answered over HTTPS: as
 * long again as the HTTPS part took, and at least 1 s. The HTTPS part never waits on SSH, the whole check
 * takes about twice the HTTPS part at most, warm connections read within it, and a host whose files are
 * late says that its pending restart could not be judged.
 */
export function filesGraceMs(httpsMs: number): number {
  return Math.max(1000, httpsMs)
}

export type CheckProgress = (done: number, total: number) => void

/** Hosts to check, grouped by pool for the report. */
export type PoolHosts = Pick<PoolTarget, 'id' | 'label' | 'hosts'>

export class HstsService {
  readonly #deps: HstsServiceDeps
  #trust: TrustContext | undefined
  #agent: Agent | undefined

  constructor(deps: HstsServiceDeps) {
    this.#deps = deps
  }

  /** Checks the hosts of the given pools (default: every connected pool), or the given hosts. */
  async check({ pools, hosts, ...files }: CheckScope, onProgress?: CheckProgress, readTree?: ReadTree): Promise<HstsReport> {
    if (pools !== undefined && hosts !== undefined) {
      invalidParameters('give `pools` or `hosts`, not both', [paramError('', 'pools and hosts are exclusive', { keyword: 'oneOf' })])
    }
    if (files.waitForFiles === true && files.readFiles === false) {
      invalidParameters('`waitForFiles: true` waits for the files that `readFiles: false` does not read', [
        paramError('waitForFiles', 'cannot wait for files that are not read (readFiles: false)', { keyword: 'not' }),
      ])
    }
    const { xo } = this.#deps
    const targets = hosts === undefined ? getPools(xo, pools) : poolsOfHosts(hosts.map(id => getHost(xo, id)))
    const unconnected = pools === undefined && hosts === undefined ? await getUnconnectedServers(xo) : []
    const reports = await this.checkPools(targets, { ...files, readTree }, onProgress)
    const trust = this.#trustContext()
    return fleetReport(reports, unconnected, { extraCertificates: trust.extraCertificates, warnings: trust.warnings })
  }

  /**
   * Every host of these pools, reported pool by pool. The HTTPS probes come first, within the concurrency
   * bound and with nothing else in flight (SSH handshakes cost far more CPU than TLS ones and would slow
   * them); then the files are read (through the SSH access's own bound): with `waitForFiles`, every
   * host's (the full picture); otherwise only where a host's answer left its verdict to them, and waited
   * for during filesGraceMs.
   */
  async checkPools(pools: readonly PoolHosts[], options: CheckOptions = {}, onProgress?: CheckProgress): Promise<PoolHstsReport[]> {
    const hosts = pools.flatMap(pool => pool.hosts)
    const trust = this.#trustContext()
    let done = 0
    const httpsStart = Date.now()
    const probes = await mapBounded(hosts, this.#deps.settings.concurrency, host =>
      probeHost(host, this.#probeDeps())
        .then((response): Probed | { error: unknown } => readProbe(host, response, trust))
        .catch((error: unknown) => ({ error }))
        .finally(() => onProgress?.(++done, hosts.length))
    )
    const filesDeadline = options.waitForFiles === true ? undefined : lateAfter(filesGraceMs(Date.now() - httpsStart))
    // Reads still waiting for their turn when every host is judged are withdrawn: no SSH login for a
    // check that is over. The reads under way finish (within their timeouts) and leave warm connections.
    const over = new AbortController()
    const files = this.#readFilesWhereNeeded(hosts, probes, options, over.signal)
    const probeOf = new Map(hosts.map((host, index) => [host, probes[index]]))
    try {
      const rows = await mapHosts(hosts, hosts.length, async host => {
        const probe = probeOf.get(host)!
        if ('error' in probe) {
          throw probe.error
        }
        return judgeHost(host, probe, files.get(host.id) ?? (options.readFiles === false ? NOT_ASKED : NOT_NEEDED), filesDeadline)
      })
      return pools.map(pool => poolReport(pool, rows.filter(row => row.host.poolId === pool.id)))
    } finally {
      over.abort(new Error('the HSTS check ended before this host\'s turn to be read'))
    }
  }

  #readFilesWhereNeeded(hosts: HostTarget[], probes: Array<Probed | { error: unknown }>, options: CheckOptions, signal: AbortSignal): Map<string, FilesRead> {
    const files = new Map<string, FilesRead>()
    if (options.readFiles === false) {
      return files
    }
    const readTree = options.readTree ?? this.#readTree
    hosts.forEach((host, index) => {
      const probe = probes[index]
      if (!('error' in probe) && (options.waitForFiles === true || filesMatter(host, probe))) {
        files.set(host.id, startFilesRead(readConfiguredHsts(readTree, host, signal)))
      }
    })
    return files
  }

  /** The HSTS section of the scheduled audit (src/services/dropins/schedule.ts calls it), on the audit's reads. */
  async auditSection(readTree?: ReadTree): Promise<HstsAuditSection> {
    return auditSection(await this.check({ waitForFiles: true }, undefined, readTree), parseDesired(this.#deps.settings.desired))
  }

  /** Closes the HTTPS connections kept for the next check (the plugin's unload). */
  close(): void {
    this.#agent?.destroy()
    this.#agent = undefined
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
      ;[result.after] = await this.checkPools([pool], { waitForFiles: true })
    }
    return result
  }

  /** The hosts of a pool whose certificate browsers would not trust: the change gate's HSTS lockout rule asks. */
  async untrusted(pool: PoolHosts): Promise<UntrustedHost[]> {
    const [report] = await this.checkPools([pool], { readFiles: false })
    return untrustedHosts(report.hosts)
  }

  get #readTree(): ReadTree | undefined {
    const { access } = this.#deps
    return access === undefined ? undefined : treesThrough(access)
  }

  #probeDeps(): ProbeDeps {
    const { settings, port } = this.#deps
    this.#agent ??= probeAgent()
    return { trust: this.#trustContext(), timeoutMs: settings.timeouts.https * 1000, port, agent: this.#agent }
  }

  #trustContext(): TrustContext {
    return (this.#trust ??= createTrustContext(this.#deps.settings.trustedCertificates))
  }
}

function lateAfter(graceMs: number): Promise<ConfiguredHsts> {
  const late: ConfiguredHsts = {
    state: 'unknown',
    reason:
      `the files were still being read over SSH ${(graceMs / 1000).toFixed(1)} s after every host answered over HTTPS, ` +
      'so whether a restart is pending could not be judged (check again, or pass waitForFiles: true)',
  }
  return sleep(graceMs, late, { ref: false })
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
