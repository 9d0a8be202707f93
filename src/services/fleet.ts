// Fleet-wide work: every host gets a row, a failing host never fails the others.
import { describeError } from '../xo/errors'
import type { HostTarget } from '../xo/targets'
import { mapBounded } from '../util/bounded'

export interface HostRef {
  id: string
  label: string
  address: string
  poolId: string
  isMaster: boolean
  /** Set when XO does not show the host's pool and the plugin used its last known record. */
  note?: string
}

export const LAST_KNOWN_NOTE = 'used last known address: XO does not show this pool now (its master may be down)'


export type HostRow<T> =
  | ({ host: HostRef; ok: true } & T)
  | { host: HostRef; ok: false; error: { code?: number | string; message: string; data?: unknown } }

export function hostRef({ id, label, address, poolId, isMaster, lastKnown }: HostTarget): HostRef {
  return lastKnown === true ? { id, label, address, poolId, isMaster, note: LAST_KNOWN_NOTE } : { id, label, address, poolId, isMaster }
}

/** Runs `fn` on every host, `limit` at once; a host whose `fn` throws becomes an error row. */
export function mapHosts<T extends object>(
  hosts: readonly HostTarget[],
  limit: number,
  fn: (host: HostTarget) => Promise<T>
): Promise<Array<HostRow<T>>> {
  return mapBounded(hosts, limit, async host => {
    try {
      return { host: hostRef(host), ok: true as const, ...(await fn(host)) }
    } catch (error) {
      return { host: hostRef(host), ok: false as const, error: describeError(error) }
    }
  })
}
