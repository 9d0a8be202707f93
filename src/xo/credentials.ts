// The credentials XO holds for a pool (its server record: user, password, "allow unauthorized"), for
// the plugin's own short-lived XAPI sessions. They are read from xo-server's XenServers mixin
// (`getXenServerIdByObject`, `getXenServerWithCredentials`), kept in memory only, and never logged.
import { incorrectState } from './errors'
import type { XoApp } from './types'
import type { XapiCredentials } from '../xapi/session'

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
