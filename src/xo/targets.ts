// Turns XO's objects into the hosts an operation works on: a pool's hosts with their addresses, the
// master first, and the XAPI version each one runs.
import { compareNatural } from '../util/natural-order'
import { invalidParameters, paramError } from './errors'
import type { XoApp, XoHost, XoPool, XoServerRecord } from './types'

export interface HostTarget {
  id: string
  label: string
  address: string
  poolId: string
  poolLabel: string
  isMaster: boolean
  enabled: boolean
  /** `software_version.xapi_build` (e.g. `26.1.3`), or `xapi` when the build is absent. */
  xapiVersion?: string
  productVersion?: string
  xapiRef: string
}

export interface PoolTarget {
  id: string
  label: string
  haEnabled: boolean
  hosts: HostTarget[] // master first
}

/** A pool XO knows of but cannot reach now: its hosts cannot be listed, so they are reported this way. */
export interface UnconnectedServer {
  serverId: string
  address: string
  label?: string
  status: string
  error?: string
}

/** `{ pool }` or `{ hosts }`: the scope of a pool-wide write. */
export interface ScopeParams {
  pool?: string
  hosts?: string[]
}

export function getPool(xo: XoApp, poolId: string): PoolTarget {
  const pool = xo.getObject<XoPool>(poolId, 'pool')
  const hosts = Object.values(xo.getObjects<XoHost>({ filter: { type: 'host', $pool: pool.id } }))
    .map(host => toHostTarget(xo, host, pool))
    .sort(masterFirst)
  const xapiPool = xo.getXapiObject(pool, 'pool')
  return { id: pool.id, label: pool.name_label, haEnabled: xapiPool.ha_enabled === true, hosts }
}

/** Every connected pool, or the given ones; hosts are ordered master first, pools by label. */
export function getPools(xo: XoApp, poolIds?: string[]): PoolTarget[] {
  const ids = poolIds ?? Object.keys(xo.getObjects({ filter: { type: 'pool' } }))
  return ids.map(id => getPool(xo, id)).sort((a, b) => compareNatural(a.label, b.label))
}

/** The hosts of one pool for `{ pool }`, or the listed hosts (which must share a pool) for `{ hosts }`. */
export function resolveScope(xo: XoApp, { pool, hosts }: ScopeParams): PoolTarget {
  if ((pool === undefined) === (hosts === undefined)) {
    invalidParameters('give either `pool` or `hosts`', [paramError('', 'exactly one of pool, hosts is required', { keyword: 'oneOf' })])
  }
  if (pool !== undefined) {
    return getPool(xo, pool)
  }
  const poolIds = new Set(hosts!.map(id => xo.getObject<XoHost>(id, 'host').$pool))
  if (poolIds.size !== 1) {
    invalidParameters('the hosts must belong to one pool', [paramError('hosts', 'hosts span several pools', { params: { pools: [...poolIds] }, pools: [...poolIds] })])
  }
  const whole = getPool(xo, [...poolIds][0])
  const wanted = new Set(hosts)
  return { ...whole, hosts: whole.hosts.filter(host => wanted.has(host.id)) }
}

export function getHost(xo: XoApp, hostId: string): HostTarget {
  const host = xo.getObject<XoHost>(hostId, 'host')
  return toHostTarget(xo, host, xo.getObject<XoPool>(host.$pool, 'pool'))
}

/** Pools registered in XO whose connection is down: nothing can be said of their hosts but that. */
export async function getUnconnectedServers(xo: XoApp): Promise<UnconnectedServer[]> {
  const servers: XoServerRecord[] = (await xo.getAllXenServers?.()) ?? []
  return servers
    .filter(server => server.status !== 'connected')
    .map(server => ({
      serverId: server.id,
      address: server.host,
      label: server.label,
      status: server.status,
      error: server.error === undefined ? undefined : String((server.error as Error).message ?? server.error),
    }))
}

function toHostTarget(xo: XoApp, host: XoHost, pool: XoPool): HostTarget {
  const record = xo.getXapiObject(host, 'host')
  const software: Record<string, string> = record.software_version ?? {}
  return {
    id: host.id,
    label: host.name_label,
    address: host.address,
    poolId: pool.id,
    poolLabel: pool.name_label,
    isMaster: pool.master === host.id,
    enabled: host.enabled,
    xapiVersion: software.xapi_build ?? software.xapi,
    productVersion: software.product_version,
    xapiRef: host._xapiRef,
  }
}

function masterFirst(a: HostTarget, b: HostTarget): number {
  return Number(b.isMaster) - Number(a.isMaster) || compareNatural(a.label, b.label)
}
