// The SSH part of `audit`: each host's SSH as XAPI has it now (`host.get_all_records`, one call per pool;
// XO's copy of the records, which may lag a change just made, when XAPI cannot be asked), whether SSH is left open without a timeout, whether it is open on a pool the
// settings want closed (the scheduled audit's alerts report them), and the hosts whose SSH the plugin could not put back, until they are.
import { getHost, type HostTarget, type PoolTarget } from '../../xo/targets'
import type { XoApp } from '../../xo/types'
import { sameClosedState } from './close'
import { cachedState } from './door'
import type { FailedClose, SshRecords } from './records'
import { BY_HAND, callBounded, readSshState, sshStateOf, tooOldForSsh, type SshRecord, type SshState } from './state'

export interface HostSshAudit {
  host: { id: string; label: string }
  enabled?: boolean
  /** Seconds; 0: XAPI never closes it. */
  enabledTimeout?: number
  /** When XAPI closes SSH (only while it is enabled with a timeout). */
  expiry?: string
  autoMode?: boolean
  consoleIdleTimeout?: number
  /** SSH is enabled and XAPI will not close it. */
  openWithoutTimeout: boolean
  /** SSH is enabled on a pool the settings want closed. */
  shouldBeClosed: boolean
  /** Why there is no state: an XAPI too old to manage SSH, or a record XO does not have. */
  note?: string
}

export interface SshPoolSummary {
  sshOpenWithoutTimeout: number
  sshShouldBeClosed: number
}

export class SshAudit {
  constructor(
    private readonly xo: XoApp,
    private readonly records: SshRecords,
    /** Pools whose SSH should be closed (settings). */
    private readonly closedPools: readonly string[],
    private readonly callMs: number
  ) {}

  async pool(pool: PoolTarget): Promise<{ hosts: HostSshAudit[]; summary: SshPoolSummary }> {
    const wantsClosed = this.closedPools.includes(pool.id)
    const live = await this.#liveRecords(pool)
    const hosts = pool.hosts.map((host): HostSshAudit => {
      const state = live === undefined ? cachedState(this.xo, host) : sshStateOf(live[host.xapiRef])
      const row = { host: { id: host.id, label: host.label } }
      if (state === undefined) {
        return { ...row, openWithoutTimeout: false, shouldBeClosed: false, note: tooOldForSsh(host.xapiVersion) ?? `XO shows no SSH state for this host: ${BY_HAND}` }
      }
      const { enabled, enabledTimeout, expiry, autoMode, consoleIdleTimeout } = state
      return {
        ...row,
        enabled,
        enabledTimeout,
        expiry: enabled && enabledTimeout > 0 ? expiry : undefined,
        autoMode,
        consoleIdleTimeout,
        openWithoutTimeout: enabled && enabledTimeout === 0,
        shouldBeClosed: enabled && wantsClosed,
      }
    })
    return {
      hosts,
      summary: {
        sshOpenWithoutTimeout: hosts.filter(row => row.openWithoutTimeout).length,
        sshShouldBeClosed: hosts.filter(row => row.shouldBeClosed).length,
      },
    }
  }

  /** Hosts whose SSH the plugin could not put back and that still differ; a host back as expected leaves the list. */
  async notPutBack(): Promise<FailedClose[]> {
    const still: FailedClose[] = []
    for (const failure of this.records.failures()) {
      const state = await this.#stateOf(failure.host.id)
      if (state !== undefined && sameClosedState(state, failure.expected)) {
        await this.records.removeFailure(failure.host.id)
      } else {
        still.push(failure)
      }
    }
    return still
  }

  async #liveRecords(pool: PoolTarget): Promise<Record<string, SshRecord> | undefined> {
    try {
      return await callBounded<Record<string, SshRecord>>(this.xo.getXapi(pool.id), this.callMs, 'host.get_all_records')
    } catch {
      return undefined
    }
  }

  /** The host's SSH state live from XAPI, else XO's copy; undefined (the host stays listed) when XO does not show it. */
  async #stateOf(hostId: string): Promise<SshState | undefined> {
    let host: HostTarget
    try {
      host = getHost(this.xo, hostId)
    } catch {
      return undefined
    }
    try {
      return await readSshState(this.xo.getXapi(host.poolId), host.xapiRef, this.callMs)
    } catch {
      return cachedState(this.xo, host)
    }
  }
}
