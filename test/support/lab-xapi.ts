// The lab's own view of its hosts' agents, read through a fresh `xen-api` client of the test's (never
// through the plugin or the harness' pool connection): which hosts restarted, and when.
import type { Lab, LabPool } from '../lab'
import { XoXapi } from '../harness/xapi'

/** `other_config.agent_start_time` of each host of the pool, by host uuid. */
export async function agentStartTimes(lab: Lab, pool: LabPool): Promise<Record<string, number>> {
  const xapi = new XoXapi({ url: pool.xapi.url, auth: { user: pool.xapi.username, password: pool.xapi.password }, allowUnauthorized: true, watchEvents: false })
  await xapi.connect()
  try {
    const entries = await Promise.all(
      pool.hosts.map(async host => {
        const otherConfig = await xapi.call<Record<string, string>>('host.get_other_config', lab.controls.xapi.hostRef(host.uuid))
        return [host.uuid, Number(otherConfig.agent_start_time)] as const
      })
    )
    return Object.fromEntries(entries)
  } finally {
    await xapi.disconnect()
  }
}

/** The uuids of the hosts whose agent started after `before` was read. */
export function restartedSince(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.keys(after).filter(uuid => after[uuid] > before[uuid])
}

/** The SSH fields of a host's record (XAPI 25.21+), read through a fresh `xen-api` client of the test's. */
export async function hostSshFields(lab: Lab, pool: LabPool, hostUuid: string): Promise<Record<string, unknown>> {
  const xapi = new XoXapi({ url: pool.xapi.url, auth: { user: pool.xapi.username, password: pool.xapi.password }, allowUnauthorized: true, watchEvents: false })
  await xapi.connect()
  try {
    const record = await xapi.call<Record<string, unknown>>('host.get_record', lab.controls.xapi.hostRef(hostUuid))
    const { ssh_enabled, ssh_enabled_timeout, ssh_auto_mode, console_idle_timeout } = record
    return { ssh_enabled, ssh_enabled_timeout: Number(ssh_enabled_timeout), ssh_auto_mode, console_idle_timeout: Number(console_idle_timeout) }
  } finally {
    await xapi.disconnect()
  }
}
