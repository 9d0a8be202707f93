// The credentials XO holds for a pool (its server record: user, password, "allow unauthorized"), for
// the plugin's own short-lived XAPI sessions. They are read from xo-server's XenServers mixin
// (`getXenServerIdByObject`, `getXenServerWithCredentials`), kept in memory only, and never logged.
import { incorrectState } from './errors'
import type { XoApp } from './types'
import { DirectXapiSession, type XapiCredentials } from '../xapi/session'
import type { LastKnownHosts } from './last-known'
import type { PoolTarget } from './targets'

/** `serverId`: the pool's server record when known already (XO may not show the pool now). */
export async function poolCredentials(xo: XoApp, poolId: string, serverId?: string): Promise<XapiCredentials> {
  if (xo.getXenServerIdByObject === undefined || xo.getXenServerWithCredentials === undefined) {
    return incorrectState({
      object: poolId,
      property: 'xenServerCredentials',
      actual: 'this xo-server does not give plugins the credentials of its servers',
      expected: 'getXenServerWithCredentials',
    })
  }
  const server = await xo.getXenServerWithCredentials(serverId ?? xo.getXenServerIdByObject(poolId, 'pool'))
  return { username: server.username, password: server.password, allowUnauthorized: server.allowUnauthorized === true }
}

/** XO's credentials for the pool, found through the last known server record when XO does not show the pool. */
export function credentialsOf(xo: XoApp, pool: PoolTarget, lastKnown?: LastKnownHosts): Promise<XapiCredentials> {
  const serverId = pool.lastKnown === true ? pool.hosts.map(host => lastKnown?.host(host.id)?.serverId).find(Boolean) : undefined
  return poolCredentials(xo, pool.id, serverId)
}

/** The plugin's own XAPI session with the pool's master (it works while xo-server's connection waits). */
export async function masterSession(xo: XoApp, pool: PoolTarget, timeoutMs: number, lastKnown?: LastKnownHosts): Promise<DirectXapiSession> {
  const master = pool.hosts.find(host => host.isMaster) ?? pool.hosts[0]
  return new DirectXapiSession(master.address, await credentialsOf(xo, pool, lastKnown), timeoutMs)
}
