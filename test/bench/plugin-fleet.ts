// The plugin in the XO harness on a bench lab of N hosts (20 per pool) running in a child process, with
// key authentication (its generated key installed on every host, as the other tools use keys), and the
// three fleet calls the bench measures. Shared by ./fleet.ts and ./profile.ts.
import { connectPlugin, PLUGIN_ID, type PluginHarness } from '../support/plugin-lab'
import { startChildLab, type ChildLab } from './lab-child'
import type { Peer } from './peers'

const HOSTS_PER_POOL = 20

export type Operation = 'read' | 'write' | 'https' | 'https-only'
/** `peersOf`: an operation whose peers this one is compared with, instead of running them again. */
export const OPERATIONS: Record<Operation, { plugin: string; peerMethod?: keyof Pick<Peer, 'read' | 'write' | 'https'>; peersOf?: Operation }> = {
  read: { plugin: 'audit', peerMethod: 'read' },
  write: { plugin: 'apply', peerMethod: 'write' },
  https: { plugin: 'checkHsts', peerMethod: 'https' },
  'https-only': { plugin: 'checkHsts readFiles=false', peersOf: 'https' },
}
export type Fleet = PluginHarness<ChildLab>

export async function startFleet(hostCount: number): Promise<Fleet> {
  const pools = Array.from({ length: Math.ceil(hostCount / HOSTS_PER_POOL) }, (_, index) => ({
    hosts: Math.min(HOSTS_PER_POOL, hostCount - index * HOSTS_PER_POOL),
  }))
  const lab = await startChildLab({ pools, startConcurrency: 16 })
  const fleet = await connectPlugin(lab, () => lab.stop(), { audit: { enabled: false } })
  // Key authentication, as the admins' tools use: the plugin's generated key, installed with the password once.
  const { username, password } = fleet.lab.hosts[0].ssh
  const configure = (ssh: Record<string, unknown>) =>
    fleet.harness.call('plugin.configure', { id: PLUGIN_ID, configuration: { ssh: { username, ...ssh }, audit: { enabled: false } } })
  await configure({ authentication: 'generated-key', password })
  for (const pool of fleet.lab.pools) {
    await call(fleet, 'installPublicKey', { pool: pool.uuid })
  }
  await configure({ authentication: 'generated-key' })
  return fleet
}

function call(fleet: Fleet, method: string, params: Record<string, unknown> = {}): Promise<any> {
  return fleet.harness.call(`xapiConfig.${method}`, params)
}

export async function pluginOperation(fleet: Fleet, operation: Operation, value: number): Promise<void> {
  if (operation === 'read') {
    const result = await call(fleet, 'audit')
    expectAllHosts(result.pools.flatMap((pool: any) => pool.hosts), fleet, 'audit')
  } else if (operation === 'write') {
    const settings = { pending_task_timeout: value }
    const results = await Promise.all(fleet.lab.pools.map(pool => call(fleet, 'apply', { pool: pool.uuid, settings })))
    const failed = results.filter(result => result.outcome !== 'applied')
    if (failed.length > 0) throw new Error(`apply: ${JSON.stringify(failed[0]).slice(0, 400)}`)
  } else {
    const result = await call(fleet, 'checkHsts', operation === 'https-only' ? { readFiles: false } : {})
    expectAllHosts(result.pools.flatMap((pool: any) => pool.hosts), fleet, 'checkHsts')
  }
}

function expectAllHosts(rows: any[], fleet: Fleet, what: string): void {
  const failed = rows.filter(row => !row.ok || row.verdict === 'unreachable')
  if (rows.length !== fleet.lab.hosts.length || failed.length > 0) {
    throw new Error(`${what}: ${rows.length} rows, ${failed.length} failed: ${JSON.stringify(failed[0] ?? {}).slice(0, 300)}`)
  }
}

