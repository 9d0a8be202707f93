// Knowing that a host's XAPI is back, from the outside (reference §5.5): its `agent_start_time` (written
// at each start) grew and it is enabled again (set late in the start). XO waits for the same signals
// but forever; this wait has a deadline. It polls, through the plugin's own session with the host
// (src/xapi/session.ts), not through xo-server's connection to the pool: after a master restart that
// connection waits its event poll delay (60 s by default) before it answers again, while the host
// answers as soon as its XAPI is up.
import type { XapiCaller } from '../../xapi/session'
import { xoShows } from '../../xo/targets'
import type { XoApp } from '../../xo/types'

export interface AgentState {
  /** Seconds since the epoch, from `other_config.agent_start_time`; undefined when absent. */
  agentStartTime?: number
  enabled: boolean
}

export type ReadAgentState = () => Promise<AgentState>

export function agentStateReader(xapi: XapiCaller, hostRef: string): ReadAgentState {
  return async () => {
    const [otherConfig, enabled] = await Promise.all([
      xapi.call<Record<string, string>>('host.get_other_config', hostRef),
      xapi.call<boolean>('host.get_enabled', hostRef),
    ])
    const agentStartTime = Number.parseFloat(otherConfig?.agent_start_time ?? '')
    return { agentStartTime: Number.isNaN(agentStartTime) ? undefined : agentStartTime, enabled }
  }
}

export interface WaitOptions {
  read: ReadAgentState
  /** The agent start time read before the restart. */
  before: AgentState
  deadline: number
  pollMs: number
}

export class AgentNotBackError extends Error {
  readonly lastState?: AgentState
  readonly lastError?: string

  constructor(message: string, lastState?: AgentState, lastError?: string) {
    super(message)
    this.name = 'AgentNotBackError'
    this.lastState = lastState
    this.lastError = lastError
  }
}

/** Resolves with the new state once the agent restarted (and is enabled, if it was); rejects at the deadline. */
export async function waitForAgent({ read, before, deadline, pollMs }: WaitOptions): Promise<AgentState> {
  let lastState: AgentState | undefined
  let lastError: string | undefined
  for (;;) {
    try {
      lastState = await read()
      lastError = undefined
      if (isBack(before, lastState)) {
        return lastState
      }
    } catch (error) {
      lastError = callErrorText(error)
    }
    const left = deadline - Date.now()
    if (left <= 0) {
      throw new AgentNotBackError(notBackMessage(before, lastState, lastError), lastState, lastError)
    }
    await sleep(Math.min(pollMs, left))
  }
}

/** A client's internal assertion (xen-api's "Expected … to be strictly unequal") means nothing to an admin. */
function callErrorText(error: unknown): string {
  if (error instanceof Error) {
    const internal = error.name.startsWith('AssertionError') || (error as { code?: unknown }).code === 'ERR_ASSERTION'
    return internal ? 'the connection to XAPI was not ready' : error.message.split('\n')[0]
  }
  return String(error)
}

function isBack(before: AgentState, now: AgentState): boolean {
  const restarted = now.agentStartTime !== undefined && (before.agentStartTime === undefined || now.agentStartTime > before.agentStartTime)
  // A host disabled before the restart may stay disabled (host.disable with auto_enable=false).
  return restarted && (now.enabled || !before.enabled)
}

function notBackMessage(before: AgentState, last: AgentState | undefined, lastError: string | undefined): string {
  if (last === undefined) {
    return `XAPI did not answer (${lastError ?? 'no answer'})`
  }
  if (last.agentStartTime === before.agentStartTime) {
    return `XAPI did not restart or did not come back: agent_start_time is still ${before.agentStartTime ?? 'unset'}` +
      (lastError === undefined ? '' : `; last error: ${lastError}`)
  }
  return 'XAPI restarted but the host was not enabled again'
}

/**
 * After a master restart, xo-server hides the pool's objects until its next successful event batch
 * (reference xo-server-vs-simulated-xapi.md §5.3), so a call made right after the restart would find no
 * such pool. Resolves true once XO shows every object again, false at the deadline.
 */
export async function waitForXoObjects(xo: XoApp, ids: readonly string[], deadline: number, pollMs: number): Promise<boolean> {
  for (;;) {
    if (ids.every(id => xoShows(xo, id))) {
      return true
    }
    if (Date.now() >= deadline) {
      return false
    }
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())))
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
