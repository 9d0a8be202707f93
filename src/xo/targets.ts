// Turns XO's objects into the hosts an operation works on: a pool's hosts with their addresses, the
// master first, and the XAPI version each one runs.
import { compareNatural } from '../util/natural-order'
import { invalidParameters, paramError } from './errors'
import type { KnownHost } from './last-known'
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
  /** XO does not show this host's pool now: these are the plugin's last known records of it. */
  lastKnown?: boolean
}

export interface PoolTarget {
  id: string
  label: string
  haEnabled: boolean
  hosts: HostTarget[] // master first
  /** XO does not show this pool now (its master is down): hosts from the plugin's last known records. */
  lastKnown?: boolean
}

/** The plugin's last known hosts (src/xo/last-known.ts), used when XO does not show their pool. */
export interface HostFallback {
  host(id: string): KnownHost | undefined
  poolHosts(poolId: string): KnownHost[]
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

/** The pool with its hosts; with a fallback, a pool XO does not show now comes from the last known hosts. */
export function getPool(xo: XoApp, poolId: string, fallback?: HostFallback): PoolTarget {
  return orLastKnown(() => poolFromXo(xo, poolId), () => lastKnownPool(xo, poolId, fallback))
}

function poolFromXo(xo: XoApp, poolId: string): PoolTarget {
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
export function resolveScope(xo: XoApp, { pool, hosts }: ScopeParams, fallback?: HostFallback): PoolTarget {
  if ((pool === undefined) === (hosts === undefined)) {
    invalidParameters('give either `pool` or `hosts`', [paramError('', 'exactly one of pool, hosts is required', { keyword: 'oneOf' })])
  }
  if (pool !== undefined) {
    return getPool(xo, pool, fallback)
  }
  const poolIds = new Set(hosts!.map(id => getHost(xo, id, fallback).poolId))
  if (poolIds.size !== 1) {
    invalidParameters('the hosts must belong to one pool', [paramError('hosts', 'hosts span several pools', { params: { pools: [...poolIds] }, pools: [...poolIds] })])
  }
  const whole = getPool(xo, [...poolIds][0], fallback)
  const wanted = new Set(hosts)
  return { ...whole, hosts: whole.hosts.filter(host => wanted.has(host.id)) }
}

export function getHost(xo: XoApp, hostId: string, fallback?: HostFallback): HostTarget {
  return orLastKnown(
    () => {
      const host = xo.getObject<XoHost>(hostId, 'host')
      return toHostTarget(xo, host, xo.getObject<XoPool>(host.$pool, 'pool'))
    },
    () => {
      const known = fallback?.host(hostId)
      return known === undefined || xoShows(xo, known.poolId) ? undefined : lastKnownTarget(known)
    }
  )
}

/** XO's answer, or, when XO does not know the object, the last known one; XO's error when there is none. */
function orLastKnown<T>(fromXo: () => T, lastKnown: () => T | undefined): T {
  try {
    return fromXo()
  } catch (error) {
    const known = lastKnown()
    if (known === undefined) {
      throw error
    }
    return known
  }
}

/** A pool XO shows is not replaced by old records: a host missing from it has left it. */
function lastKnownPool(xo: XoApp, poolId: string, fallback: HostFallback | undefined): PoolTarget | undefined {
  const hosts = fallback?.poolHosts(poolId) ?? []
  if (hosts.length === 0 || xoShows(xo, poolId)) {
    return undefined
  }
  return { id: poolId, label: hosts[0].poolLabel, haEnabled: false, hosts: hosts.map(lastKnownTarget), lastKnown: true }
}

function lastKnownTarget(known: KnownHost): HostTarget {
  const { id, label, address, poolId, poolLabel, isMaster, xapiVersion, productVersion, xapiRef } = known
  return { id, label, address, poolId, poolLabel, isMaster, enabled: true, xapiVersion, productVersion, xapiRef, lastKnown: true }
}

/** Whether XO shows the object now (it hides a pool's objects while its master is unreachable). */
export function xoShows(xo: XoApp, id: string): boolean {
  try {
    xo.getObject(id)
    return true
  } catch {
    return false
  }
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
