// A toolstack restart stops XAPI, and with auto mode on, the host's xapi-ssh-monitor starts SSH while
// XAPI is down; XAPI's start also re-schedules (or applies) an SSH expiry and may turn auto mode on. So
// each host's SSH is read before its restart and again once it is back: a host that was closed and is
// not any more is put back as it was. A host the plugin itself holds open for the operation is left to
// the operation, which closes it at its end.
import type { XapiCaller } from '../../xapi/session'
import type { HostTarget } from '../../xo/targets'
import { describeError } from '../../xo/errors'
import { sameClosedState } from './close'
import type { PutBackEvents, XapiSshDoor } from './door'
import { readSshState, type SshState } from './state'

export interface SshAfterRestart {
  before: SshState
  after?: SshState
  /**
   * `unchanged`; `put-back`: the restart left SSH open, the plugin closed it again; `not-put-back`: it
   * could not (see error, and `audit`); `held-open`: the plugin opened SSH for this operation and closes
   * it at the end; `changed`: XAPI changed what was open (reported, not undone).
   */
  action: 'unchanged' | 'put-back' | 'not-put-back' | 'held-open' | 'changed'
  error?: string
}

export interface SshRestartCheck {
  before(host: HostTarget): Promise<SshState | undefined>
  after(host: HostTarget, before: SshState): Promise<SshAfterRestart>
}

const RESTART_EVENTS: PutBackEvents = { done: 'closed-after-restart', failed: 'close-after-restart-failed' }

export function sshRestartCheck(door: XapiSshDoor, xapi: XapiCaller, callMs: number, context: { by?: string; why?: string }): SshRestartCheck {
  return {
    before: async host => door.openedByPlugin(host.id) ?? (await readSshState(xapi, host.xapiRef, callMs).catch(() => undefined)),
    after: async (host, before) => {
      let after: SshState | undefined
      try {
        after = await readSshState(xapi, host.xapiRef, callMs)
      } catch (error) {
        return { before, action: 'not-put-back', error: `its SSH could not be read after the restart: ${describeError(error).message}` }
      }
      if (door.openedByPlugin(host.id) !== undefined) {
        return { before, after, action: 'held-open' }
      }
      if (after === undefined || sameClosedState(after, before)) {
        return { before, after, action: 'unchanged' }
      }
      if (before.enabled) {
        return { before, after, action: 'changed' }
      }
      const outcome = await door.putBack(xapi, host, before, context, RESTART_EVENTS)
      return { before, after: outcome.after ?? after, action: outcome.restored ? 'put-back' : 'not-put-back', error: outcome.error }
    },
  }
}
