// Read-only views of one host: its files and what XAPI will make of them, the end-to-end test of the
// settings page, and the SSH key chores (the plugin's public key, installing it, forgetting a pin).
import { parseVersion } from '../../conf'
import type { HostAccess } from '../../ssh/host-access'
import { ensureKeyPair, installPublicKey } from '../../ssh/key-pair'
import { describeError } from '../../xo/errors'
import { getHost, resolveScope, type HostFallback, type HostTarget, type ScopeParams } from '../../xo/targets'
import type { XoApp } from '../../xo/types'
import { LAST_KNOWN_NOTE, mapHosts, type HostRow } from '../fleet'
import { describeTree } from './describe'
import { readHostConfig, sshHost } from './read-config'

export class HostsService {
  constructor(
    private readonly xo: XoApp,
    private readonly access: HostAccess,
    private readonly dataDir: string,
    private readonly concurrency: number,
    /** Host access that logs in with the settings' password, whatever the authentication chosen. */
    private readonly passwordAccess: () => Promise<HostAccess>,
    /** The last known hosts: a host whose pool XO does not show now can still be read. */
    private readonly lastKnown?: HostFallback
  ) {}

  /** The host's files with their parsed lines, the effective configuration with sources, the startup prediction. */
  async getHost(hostId: string) {
    const host = getHost(this.xo, hostId, this.lastKnown)
    const { tree, report } = await readHostConfig(this.access, host)
    const version = host.xapiVersion === undefined ? undefined : parseVersion(host.xapiVersion)
    return { host: summary(host), configDir: tree.configDir, outcome: report.outcome, problems: report.problems, ...describeTree(tree, version) }
  }

  /**
   * Settings > Plugins > Test: reaches the host over SSH, reads its files and predicts XAPI's start.
   * xo-web shows a thrown error and nothing else, so every failure throws, with the host in the message.
   */
  async test(hostId: string) {
    const host = getHost(this.xo, hostId)
    const { report } = await readHostConfig(this.access, host).catch(error => {
      throw Object.assign(new Error(`${host.label}: ${describeError(error).message}`), { data: describeError(error) })
    })
    const firstError = report.problems.find(problem => problem.severity === 'error')
    if (report.outcome !== 'starts') {
      const where = firstError?.file == null ? '' : `${firstError.file}${firstError.line == null ? '' : `:${firstError.line}`}: `
      throw Object.assign(new Error(`${host.label}: XAPI would not start (${report.outcome}): ${where}${firstError?.message}`), {
        data: { outcome: report.outcome, problems: report.problems },
      })
    }
    return { host: summary(host), outcome: report.outcome, problems: report.problems }
  }

  /** The plugin's own public key (generated on first use), to install on hosts. */
  async publicKey(): Promise<string> {
    return (await ensureKeyPair(this.dataDir)).publicKey
  }

  /** Appends the plugin's public key to authorized_keys on every host of the scope, logging in with the password. */
  async installPublicKeyOn(scope: ScopeParams): Promise<Array<HostRow<{ outcome: string }>>> {
    const pool = resolveScope(this.xo, scope)
    const publicKey = await this.publicKey()
    const access = await this.passwordAccess()
    try {
      return await mapHosts(pool.hosts, this.concurrency, async host => ({
        outcome: await access.withHost(sshHost(host), session => installPublicKey(session, publicKey)),
      }))
    } finally {
      await access.close()
    }
  }

  /** Forgets the SSH key pinned for a host whose key changed legitimately (reinstall): the next connection pins again. */
  async forgetHostKey(hostId: string): Promise<{ host: ReturnType<typeof summary>; forgotten: boolean }> {
    const host = getHost(this.xo, hostId)
    return { host: summary(host), forgotten: await this.access.forgetHostKey(host.id) }
  }
}

function summary({ id, label, address, poolId, poolLabel, isMaster, xapiVersion, productVersion, lastKnown }: HostTarget) {
  const known = { id, label, address, poolId, poolLabel, isMaster, xapiVersion, productVersion }
  return lastKnown === true ? { ...known, note: LAST_KNOWN_NOTE } : known
}
