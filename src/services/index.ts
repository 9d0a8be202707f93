// Builds every service of the plugin from the settings. Each service owns one concern; they share the
// host access (SSH) and the XO app. Dependencies point one way: hsts → dropIns → restart.
import { checkDropInSettings } from './dropins'
import type { Settings } from '../settings/settings'
import type { XoApp } from '../xo/types'
import { createHostAccess, createPasswordHostAccess, isSshConfigured } from './access'
import { AuditService } from './audit/service'
import { DropInService } from './dropins'
import { sshHostFiles } from './dropins/ssh-files'
import { HostsService } from './hosts/service'
import { HstsService } from './hsts/service'
import { PoolLocks } from './pool-lock'
import { RestartService } from './restart/service'
import { RolloutService } from './rollout/service'
import { LastKnownHosts, refreshLastKnown } from '../xo/last-known'
import { getPools } from '../xo/targets'
import { SshAudit } from './xapi-ssh/audit'
import { XapiSshDoor } from './xapi-ssh/door'
import { SshRecords } from './xapi-ssh/records'

/** How often the last known hosts are refreshed from XO (also before every restart). */
const LAST_KNOWN_REFRESH_MS = 5 * 60_000

export interface ServiceDeps {
  xo: XoApp
  settings: Settings
  dataDir: string
  log?: (message: string, error?: unknown) => void
}

export interface Services {
  hosts: HostsService
  audit: AuditService
  dropIns: DropInService
  restart: RestartService
  hsts: HstsService
  rollout: RolloutService
}

export interface ServiceSet {
  services: Services
  /** Starts the scheduled audit; returns its remover. */
  start(): Array<() => void | Promise<void>>
  close(): Promise<void>
}

/** Settings checks that need the catalog (desired drop-ins, audit schedule): invalidParameters when wrong. */
export function checkSettings(settings: Settings): void {
  checkDropInSettings(settings)
}

export async function createServices({ xo, settings, dataDir, log }: ServiceDeps): Promise<ServiceSet> {
  const lastKnown = await LastKnownHosts.open(dataDir)
  const sshRecords = await SshRecords.open(dataDir)
  const door = new XapiSshDoor({ xo, settings, records: sshRecords, lastKnown })
  const access = await createHostAccess(settings, dataDir, door)
  const sshConfigured = isSshConfigured(settings)
  // One lock per pool for file changes and restarts: no write while the pool restarts, and the reverse.
  const locks = new PoolLocks()
  const rememberHosts = () => refreshLastKnown(lastKnown, xo, () => getPools(xo))
  const restart = new RestartService({ xo, settings, access, locks, lastKnown, rememberHosts, sshDoor: door })
  let hsts: HstsService | undefined
  let audit: AuditService | undefined
  const dropIns = new DropInService({
    xo,
    settings,
    dataDir,
    files: sshHostFiles(access),
    locks,
    trust: pool => hsts!.untrusted(pool),
    restarter: restart,
    lastKnown,
    checkHsts: readTree => hsts!.auditSection(readTree),
    auditFleet: readTree => audit!.audit({}, readTree),
    log,
  })
  hsts = new HstsService({ xo, settings, access: sshConfigured ? access : undefined, dropIns })
  const hosts = new HostsService(xo, access, dataDir, settings.concurrency, () => createPasswordHostAccess(settings, dataDir, door), lastKnown)
  const rollout = new RolloutService({ xo, dataDir, concurrency: settings.concurrency, dropIns, hsts, restart, locks })
  const sshAudit = new SshAudit(xo, sshRecords, settings.sshThroughXapi.closedPools, settings.timeouts.command * 1000)
  audit = new AuditService(xo, access, dropIns.desired.entries, settings.concurrency, () => dropIns.journaled(), sshAudit)
  return {
    services: { hosts, audit, dropIns, restart, hsts, rollout },
    start: () => [dropIns.audit.start(), rememberHostsEvery(LAST_KNOWN_REFRESH_MS, rememberHosts)],
    close: () => {
      rollout.close()
      hsts.close()
      return access.close()
    },
  }
}

/** Records the hosts XO shows now, then every `periodMs`; returns the remover. */
function rememberHostsEvery(periodMs: number, remember: () => Promise<void>): () => void {
  void remember()
  const timer = setInterval(() => void remember(), periodMs)
  timer.unref()
  return () => clearInterval(timer)
}
