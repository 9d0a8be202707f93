// What a XenAPI method of the simulator is, and the helpers every method table uses.
import type { HostAgent } from '../agent'
import type { SimulatedPool } from '../pool'
import { handleInvalid } from './errors'

export interface CallContext {
  pool: SimulatedPool
  /** The host whose XAPI received the call. */
  agent: HostAgent
  signal: AbortSignal
}

export interface Method {
  /** Parameter count, the session included; a range for versioned parameters. */
  arity: number | readonly [number, number]
  session: boolean
  run(context: CallContext, args: unknown[]): unknown
}

export const withSession = (arity: number, run: Method['run']): Method => ({ arity, session: true, run })
export const str = (value: unknown) => String(value)

/** The record behind `ref`, or HANDLE_INVALID. */
export function refOf(context: CallContext, cls: string, ref: unknown) {
  const record = context.pool.db.get(cls, str(ref))
  if (record === undefined) throw handleInvalid(cls, str(ref))
  return { ref: str(ref), record }
}
