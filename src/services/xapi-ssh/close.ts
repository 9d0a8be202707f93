// Closing a host's SSH again, back to the state it had before: SSH disabled, the same timeout, auto mode
// as it was. `host.disable_ssh` leaves auto mode off (as `host.enable_ssh` set it), so auto mode is put
// back by its own call. Every step is tried even when one fails; the outcome is what XAPI shows after.
import { describeError } from '../../xo/errors'
import type { XapiCaller } from '../../xapi/session'
import { callBounded, describeSsh, readSshState, type SshState } from './state'

export interface CloseOutcome {
  restored: boolean
  /** What XAPI shows after the attempt, when it could be read. */
  after?: SshState
  error?: string
}

export async function closeSsh(xapi: XapiCaller, hostRef: string, before: SshState, timeoutMs: number): Promise<CloseOutcome> {
  const errors: string[] = []
  const attempt = async (method: string, ...args: unknown[]) => {
    try {
      await callBounded(xapi, timeoutMs, method, hostRef, ...args)
    } catch (error) {
      errors.push(`${method}: ${describeError(error).message}`)
    }
  }
  await attempt('host.disable_ssh')
  await attempt('host.set_ssh_enabled_timeout', before.enabledTimeout)
  if (before.autoMode !== undefined) {
    await attempt('host.set_ssh_auto_mode', before.autoMode)
  }
  return verify(xapi, hostRef, before, timeoutMs, errors)
}

async function verify(xapi: XapiCaller, hostRef: string, before: SshState, timeoutMs: number, errors: string[]): Promise<CloseOutcome> {
  let after: SshState | undefined
  try {
    after = await readSshState(xapi, hostRef, timeoutMs)
  } catch (error) {
    errors.push(`reading the state back: ${describeError(error).message}`)
  }
  const expected: SshState = { ...before, enabled: false }
  if (after !== undefined && !sameClosedState(after, expected)) {
    errors.push(`XAPI shows ${describeSsh(after)} instead of ${describeSsh(expected)}`)
  }
  return errors.length === 0 ? { restored: true, after } : { restored: false, after, error: errors.join('; ') }
}

/** The fields the plugin puts back (the expiry is XAPI's to set). */
export function sameClosedState(actual: SshState, expected: SshState): boolean {
  return (
    actual.enabled === expected.enabled &&
    actual.enabledTimeout === expected.enabledTimeout &&
    (expected.autoMode === undefined || actual.autoMode === expected.autoMode)
  )
}
