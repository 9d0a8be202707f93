// Turns startLab()'s options into the list of pools and hosts to create.
import { randomUUID } from 'node:crypto'

import type { HostSpec } from './hosts/spec'
import type { HostOptions, LabOptions, PoolOptions } from './types'

const DEFAULT_HOSTS_PER_POOL = 3
const MAX_NUMBER = 254 // pool and host numbers are address octets

export interface PlannedPool {
  number: number
  uuid: string
  name_label: string
  /** hosts[0] is the master. */
  hosts: HostSpec[]
}

export function planLab(options: LabOptions, secondOctet: number): PlannedPool[] {
  const pools: PoolOptions[] = typeof options.pools === 'object' ? options.pools : Array.from({ length: options.pools ?? 1 }, () => ({}))
  checkCount('pools', pools.length)
  return pools.map((pool, index) => planPool(options, pool, index + 1, secondOctet))
}

function planPool(options: LabOptions, pool: PoolOptions, poolNumber: number, secondOctet: number): PlannedPool {
  const hostCount = pool.hosts ?? options.hostsPerPool ?? DEFAULT_HOSTS_PER_POOL
  const hosts: HostOptions[] = typeof hostCount === 'object' ? hostCount : Array.from({ length: hostCount }, () => ({}))
  checkCount(`hosts of pool ${poolNumber}`, hosts.length)
  const address = (hostNumber: number): string => `127.${secondOctet}.${poolNumber}.${hostNumber}`
  return {
    number: poolNumber,
    uuid: randomUUID(),
    name_label: `Lab pool ${poolNumber}`,
    hosts: hosts.map((host, index) => ({
      poolNumber,
      hostNumber: index + 1,
      uuid: randomUUID(),
      name_label: `xcp-ng-${poolNumber}-${index + 1}`,
      address: address(index + 1),
      masterAddress: index === 0 ? undefined : address(1),
      release: host.release ?? pool.release ?? options.release ?? '8.3',
      webserverDisabled: host.webserverDisabled ?? false,
      certificate: host.certificate ?? options.certificate ?? 'self-signed',
      ssh: { ...options.ssh, ...pool.ssh, ...host.ssh },
    })),
  }
}

function checkCount(what: string, count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_NUMBER) {
    throw new RangeError(`${what}: expected 1 to ${MAX_NUMBER}, got ${count}`)
  }
}
