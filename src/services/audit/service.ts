// `audit`: every host of the given (default: all connected) pools, concurrently: can the plugin reach it,
// will XAPI start with its files, which files it has and who owns them, how the pool's hosts differ, and how
// each host compares with the desired drop-ins of the settings. An unreachable host is a row, never a failure.
import { catalogEntry, isManagedFile, type ConfTree, type LintReport } from '../../conf'
import { compareNames } from '../../conf/effective'
import { readableContent } from '../../conf/tree'
import type { HostAccess } from '../../ssh/host-access'
import { getPools, getUnconnectedServers, type HostTarget, type PoolTarget, type UnconnectedServer } from '../../xo/targets'
import type { XoApp } from '../../xo/types'
import { compliance, type DesiredDropIn } from '../dropins/desired'
import { isVendorDropIn } from '../dropins/names'
import { mapHosts, type HostRow } from '../fleet'
import { lintedConfig, readHostConfig, type HostConfig } from '../hosts/read-config'
import type { ReadTree } from '../dropins/host-files'
import type { StoredEntry } from '../dropins/journal'
import { poolDrift, type DriftEntry } from './drift'
import { interruptedChanges, type InterruptedChange } from './interrupted'
import type { HostSshAudit, SshAudit, SshPoolSummary } from '../xapi-ssh/audit'
import type { FailedClose } from '../xapi-ssh/records'

export interface HostAudit {
  outcome: LintReport['outcome']
  errors: LintReport['problems']
  warnings: number
  /** Every entry of the drop-in directory, in XAPI's read order, and who owns it. */
  files: Array<{ name: string; kind: string; owner: 'xen-orchestra' | 'vendor' | 'other' }>
  /** Effective values of the keys the host's files set. */
  values: Record<string, string>
  desired: Array<{ file: string; status: string; differences: unknown[] }>
}

export interface PoolAudit {
  pool: { id: string; label: string; haEnabled: boolean }
  hosts: Array<HostRow<HostAudit>>
  drift: DriftEntry[]
  /** Changes interrupted by xo-server's death, and what each host holds since. */
  interrupted: InterruptedChange[]
  /** Each host's SSH as XAPI manages it, read before the audit reached the hosts. */
  ssh?: HostSshAudit[]
  summary: { hosts: number; unreachable: number; wouldNotStart: number; driftingKeys: number; nonCompliant: number } & Partial<SshPoolSummary>
}

export class AuditService {
  constructor(
    private readonly xo: XoApp,
    private readonly access: HostAccess,
    private readonly desired: readonly DesiredDropIn[],
    private readonly concurrency: number,
    /** The journal's changes, oldest first. */
    private readonly journaled: () => Promise<StoredEntry[]> = async () => [],
    private readonly ssh?: SshAudit
  ) {}

  /** `readTree`: the scheduled audit's shared reads (each host read once per run); default: a fresh SSH read. */
  async audit({ pools: poolIds }: { pools?: string[] } = {}, readTree?: ReadTree): Promise<FleetAudit> {
    const pools = getPools(this.xo, poolIds)
    const journaled = await this.journaled()
    const readConfig = readTree === undefined ? (host: HostTarget) => readHostConfig(this.access, host) : lintedRead(readTree)
    const audits = await Promise.all(pools.map(pool => this.#auditPool(pool, journaled, readConfig)))
    const sshNotPutBack = (await this.ssh?.notPutBack()) ?? []
    return {
      pools: audits,
      unconnected: poolIds === undefined ? await getUnconnectedServers(this.xo) : [],
      sshNotPutBack,
      summary: { ...fleetSummary(audits), sshNotPutBack: sshNotPutBack.length },
    }
  }

  async #auditPool(pool: PoolTarget, journaled: readonly StoredEntry[], readConfig: ConfigReader): Promise<PoolAudit> {
    const ssh = (await this.ssh?.pool(pool)) ?? { hosts: [], summary: { sshOpenWithoutTimeout: 0, sshShouldBeClosed: 0 } }
    const desired = this.desired.filter(entry => entry.pools.length === 0 || entry.pools.includes(pool.id))
    const trees = new Map<string, ConfTree>()
    const hosts = await mapHosts(pool.hosts, this.concurrency, async host => {
      const { tree, report } = await readConfig(host)
      trees.set(host.id, tree)
      return auditHost(host, tree, report, desired)
    })
    const interrupted = interruptedChanges(journaled, pool.id, trees)
    const reachable = hosts.flatMap(row => (row.ok ? [{ hostId: row.host.id, label: row.host.label, values: row.values }] : []))
    const drift = poolDrift(reachable, key => catalogEntry(key)?.default)
    return {
      pool: { id: pool.id, label: pool.label, haEnabled: pool.haEnabled },
      hosts,
      drift,
      interrupted,
      ssh: ssh.hosts,
      summary: {
        ...ssh.summary,
        hosts: hosts.length,
        unreachable: hosts.filter(row => !row.ok).length,
        wouldNotStart: hosts.filter(row => row.ok && row.outcome !== 'starts').length,
        driftingKeys: drift.length,
        nonCompliant: hosts.filter(row => row.ok && row.desired.some(entry => entry.status !== 'compliant')).length,
      },
    }
  }
}

type ConfigReader = (host: HostTarget) => Promise<HostConfig>

function lintedRead(readTree: ReadTree): ConfigReader {
  return async host => lintedConfig(await readTree(host), host)
}

function auditHost(host: HostTarget, tree: ConfTree, report: LintReport, desired: readonly DesiredDropIn[]): HostAudit {
  return {
    outcome: report.outcome,
    errors: report.problems.filter(problem => problem.severity === 'error'),
    warnings: report.problems.filter(problem => problem.severity === 'warning').length,
    files: [...tree.dropIns].sort((a, b) => compareNames(a.name, b.name)).map(entry => ({
      name: entry.name,
      kind: entry.kind,
      owner: isManaged(readableContent(entry)) ? 'xen-orchestra' : isVendorDropIn(entry.name) ? 'vendor' : 'other',
    })),
    values: Object.fromEntries(Object.entries(report.effective).map(([key, { value }]) => [key, value])),
    desired: desired.map(entry => ({ file: entry.file, ...compliance(entry, host, tree) })),
  }
}

function isManaged(content: Buffer | undefined): boolean {
  return content !== undefined && isManagedFile(content.toString('latin1'))
}

export type FleetSummary = ReturnType<typeof fleetSummary>

export interface FleetAudit {
  pools: PoolAudit[]
  unconnected: UnconnectedServer[]
  /** Hosts whose SSH the plugin enabled and could not put back, until XAPI shows them as expected. */
  sshNotPutBack?: FailedClose[]
  summary: FleetSummary & { sshNotPutBack?: number }
}

function fleetSummary(pools: readonly PoolAudit[]) {
  const total = (field: keyof PoolAudit['summary']) => pools.reduce((sum, pool) => sum + (pool.summary[field] ?? 0), 0)
  return {
    pools: pools.length,
    hosts: total('hosts'),
    unreachable: total('unreachable'),
    wouldNotStart: total('wouldNotStart'),
    driftingKeys: total('driftingKeys'),
    nonCompliant: total('nonCompliant'),
    sshOpenWithoutTimeout: total('sshOpenWithoutTimeout'),
    sshShouldBeClosed: total('sshShouldBeClosed'),
  }
}
