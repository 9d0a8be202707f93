// Plain-data pools and facts for the restart unit tests.
import type { HostTarget, PoolTarget } from '../../src/xo/targets'
import type { PreflightFacts } from '../../src/services/restart/preflight'

export function host(index: number, isMaster = false, enabled = true): HostTarget {
  return {
    id: `host-${index}-uuid`,
    label: `host-${index}`,
    address: `127.77.1.${index}`,
    poolId: 'pool-uuid',
    poolLabel: 'pool-1',
    isMaster,
    enabled,
    xapiVersion: '26.1.3',
    productVersion: '8.3.0',
    xapiRef: `OpaqueRef:host-${index}`,
  }
}

/** host-1 is the master; host-2 and host-3 are members. */
export function threeHostPool(haEnabled = false): PoolTarget {
  return { id: 'pool-uuid', label: 'pool-1', haEnabled, hosts: [host(1, true), host(2), host(3)] }
}

export function facts(overrides: Partial<PreflightFacts> = {}): PreflightFacts {
  const pool = overrides.pool ?? threeHostPool()
  return {
    pool,
    hosts: pool.hosts,
    xapiTasks: [],
    vms: [],
    jobs: [],
    xoTasks: [],
    hostChecks: new Map(),
    warnings: [],
    now: Date.UTC(2026, 10, 27, 5, 0, 0),
    ...overrides,
  }
}
