// The plugin's door to hosts whose SSH is disabled (src/ssh/door.ts): HostAccess asks it before
// connecting to a host. XO's copy of the host record says whether SSH may be disabled; XAPI is then
// read live. With the setting off, such a host is refused naming the host and the setting; with it on,
// the door sets a short timeout first (so that XAPI closes SSH itself should xo-server die), enables
// SSH, waits for the port, and hands back the opening that puts everything back when the operation ends.
import { logger } from '../../log'
import type { Settings } from '../../settings/settings'
import type { DoorOpening, HostDoor } from '../../ssh/door'
import { HostAccessError, type SshHost } from '../../ssh/errors'
import { currentOperation } from '../../ssh/operation'
import { waitForPort } from '../../ssh/port'
import type { DirectXapiSession, XapiCaller } from '../../xapi/session'
import { masterSession } from '../../xo/credentials'
import { describeError } from '../../xo/errors'
import type { LastKnownHosts } from '../../xo/last-known'
import { stepInfo, stepWarning } from '../../xo/step'
import { getHost, getPool, type HostTarget } from '../../xo/targets'
import type { XoApp } from '../../xo/types'
import { closeSsh, type CloseOutcome } from './close'
import type { SshEvent, SshRecords } from './records'
import { BY_HAND, callBounded, describeSsh, readSshState, SshApiMissing, sshStateOf, tooOldForSsh, type SshRecord, type SshState } from './state'

/** What the journal says when a host's SSH was put back (or not). */
export interface PutBackEvents {
  done: SshEvent
  failed: SshEvent
}

const OPERATION_EVENTS: PutBackEvents = { done: 'closed', failed: 'close-failed' }

export const SETTING_TITLE = "When a host's SSH is disabled, enable it through XAPI for the operation"

export interface XapiSshDeps {
  xo: XoApp
  settings: Settings
  records: SshRecords
  lastKnown?: LastKnownHosts
  /** SSH port of every host. */
  port?: number
}

export class XapiSshDoor implements HostDoor {
  readonly #deps: XapiSshDeps
  /** Hosts whose SSH the door opened and has not closed yet, with the state to put back. */
  readonly #opened = new Map<string, SshState>()

  constructor(deps: XapiSshDeps) {
    this.#deps = deps
  }

  /** The state to put back on a host the plugin holds open now, or undefined. */
  openedByPlugin(hostId: string): SshState | undefined {
    return this.#opened.get(hostId)
  }

  async open(sshHost: SshHost, { refused }: { refused: boolean }): Promise<DoorOpening | undefined> {
    const host = this.#target(sshHost.id)
    if (host === undefined || (!refused && cachedState(this.#deps.xo, host)?.enabled !== false)) {
      return undefined // XO says SSH is enabled, or cannot tell: connect as usual
    }
    const session = await masterSession(this.#deps.xo, getPool(this.#deps.xo, host.poolId), this.#callMs)
    let opening: DoorOpening | undefined
    try {
      opening = await this.#openWith(session, sshHost, host, refused)
      return opening
    } catch (error) {
      if (refused && !(error instanceof HostAccessError)) {
        return undefined // XAPI cannot be asked either: the refused connection says more
      }
      throw error
    } finally {
      if (opening === undefined) {
        await session.close()
      }
    }
  }

  async #openWith(session: DirectXapiSession, sshHost: SshHost, host: HostTarget, refused: boolean): Promise<DoorOpening | undefined> {
    const tooOld = tooOldForSsh(host.xapiVersion)
    const before = tooOld === undefined ? await readSshState(session, host.xapiRef, this.#callMs).catch(byHand) : undefined
    if (before === undefined) {
      if (refused) {
        throw new HostAccessError('UNREACHABLE', `SSH refused the connection, and ${tooOld ?? `this host's XAPI has no SSH fields: ${BY_HAND}`}`, { host: sshHost })
      }
      return undefined
    }
    if (before.enabled) {
      return undefined
    }
    if (!this.#deps.settings.sshThroughXapi.enableWhenDisabled) {
      throw new HostAccessError(
        'SSH_DISABLED',
        `XAPI reports SSH disabled on this host (${describeSsh(before)}): enable SSH on it, or turn on ` +
          `"${SETTING_TITLE}" in the plugin's settings`,
        { host: sshHost, data: { ssh: before, setting: 'sshThroughXapi.enableWhenDisabled' } }
      )
    }
    return this.#enable(session, sshHost, host, before)
  }

  async #enable(session: DirectXapiSession, sshHost: SshHost, host: HostTarget, before: SshState): Promise<DoorOpening> {
    const timeoutSeconds = this.#deps.settings.sshThroughXapi.timeoutMinutes * 60
    const context = currentOperation()?.context ?? {}
    const record = { host: ref(host), ...context, before, timeoutSeconds }
    try {
      await callBounded(session, this.#callMs, 'host.set_ssh_enabled_timeout', host.xapiRef, timeoutSeconds)
    } catch (error) {
      throw new HostAccessError('SSH_DISABLED', `SSH is disabled and its timeout could not be set through XAPI: ${describeError(error).message}`, { host: sshHost })
    }
    this.#opened.set(host.id, before)
    try {
      await callBounded(session, this.#callMs, 'host.enable_ssh', host.xapiRef)
      await waitForPort(sshHost, this.#deps.port ?? 22, this.#deps.settings.timeouts.connect * 1000)
    } catch (error) {
      const undo = await this.putBack(session, host, before, context, OPERATION_EVENTS)
      const putBack = undo.restored ? 'it was put back as it was' : `putting it back failed too: ${undo.error}`
      throw new HostAccessError('SSH_DISABLED', `SSH could not be enabled through XAPI (${describeError(error).message}); ${putBack}`, { host: sshHost })
    }
    await this.#deps.records.journal({ event: 'opened', ...record })
    const message = `SSH enabled on ${host.label} through XAPI for this operation (it was ${describeSsh(before)}; XAPI closes it after ${timeoutSeconds} s)`
    stepInfo(message, record)
    logger.info(message, record)
    return { close: () => this.putBack(session, host, before, context, OPERATION_EVENTS).finally(() => session.close()) }
  }

  /**
   * Closes the host's SSH back to `before` (disabled, its timeout, its auto mode), checks it through XAPI,
   * and records the outcome: journal, XO task, log; a host not put back is listed by `audit` until it is.
   */
  async putBack(session: XapiCaller, host: HostTarget, before: SshState, context: { by?: string; why?: string }, events: PutBackEvents): Promise<CloseOutcome> {
    const outcome = await closeSsh(session, host.xapiRef, before, this.#callMs)
    this.#opened.delete(host.id)
    const record = { host: ref(host), ...context, before, after: outcome.after }
    if (outcome.restored) {
      await this.#deps.records.journal({ event: events.done, ...record })
      await this.#deps.records.removeFailure(host.id)
      stepInfo(`SSH of ${host.label} put back as it was (${describeSsh(outcome.after ?? before)})`, record)
      return outcome
    }
    await this.#deps.records.journal({ event: events.failed, ...record, error: outcome.error })
    const expected = { ...before, enabled: false }
    await this.#deps.records.addFailure({ host: ref(host), xapiRef: host.xapiRef, expected, error: outcome.error!, at: new Date().toISOString(), ...context })
    const message = `SSH of ${host.label} could NOT be put back as it was (${describeSsh(expected)}): ${outcome.error}`
    stepWarning(message, record)
    logger.error(message, record)
    return outcome
  }

  get #callMs(): number {
    return this.#deps.settings.timeouts.command * 1000
  }

  #target(hostId: string): HostTarget | undefined {
    try {
      const host = getHost(this.#deps.xo, hostId, this.#deps.lastKnown)
      return host.lastKnown === true ? undefined : host // XO does not show the pool: its XAPI is probably down
    } catch {
      return undefined
    }
  }
}

/** The SSH state in XO's copy of the host record (kept current by XAPI's events). */
export function cachedState(xo: XoApp, host: HostTarget): SshState | undefined {
  try {
    return sshStateOf(xo.getXapi(host.poolId).getObjectByRef(host.xapiRef, undefined) as SshRecord | undefined)
  } catch {
    return undefined
  }
}

function byHand(error: unknown): undefined {
  if (error instanceof SshApiMissing) {
    return undefined
  }
  throw error
}

function ref(host: HostTarget) {
  return { id: host.id, label: host.label, poolId: host.poolId }
}
