// The rolling restart itself: one host at a time, in the preflight's order. Each host must be back
// (agent restarted and enabled) before the next one starts; the first host that fails or does not come
// back in time stops the roll, so at most one host is ever down because of it.
import { hostRef } from '../fleet'
import { describeError } from '../../xo/errors'
import type { HostTarget } from '../../xo/targets'
import { TimeoutError, withTimeout } from '../../util/timeout'
import type { SshRestartCheck } from '../xapi-ssh/restart-check'
import type { GateRefusal, RestartGate } from './gate'
import type { Diagnosis, HostRestartResult } from './types'
import { waitForAgent, type AgentState, type ReadAgentState } from './waiter'

export interface HostRestarter {
  /** Restarts the host's toolstack; resolves once the restart command ended (toolstack) or was accepted (agent). */
  restart(host: HostTarget, deadline: number): Promise<void>
  /**
   * The restart itself proves that XAPI started again (toolstack mode: `xapi-wait-init-complete`), so a
   * host whose XAPI does not answer before its restart (the reason for the restart) can still be restarted.
   */
  readonly confirmsStart?: boolean
}

/** What a host whose XAPI did not answer before its restart is compared with: any start counts. */
const UNKNOWN_AGENT_STATE: AgentState = { agentStartTime: undefined, enabled: false }

/** How the roll learns a host's agent state, through a connection it closes when the host is done. */
export interface AgentWatch {
  read: ReadAgentState
  close(): Promise<void>
}

export interface RollDeps {
  /** Asked right before each host: a host it refuses stops the roll there, untouched. */
  gate: RestartGate
  restarter: HostRestarter
  watchAgent(host: HostTarget): AgentWatch
  /** What a host whose XAPI did not come back can be told: its files' prediction and how to roll back. */
  diagnose(host: HostTarget): Promise<Diagnosis>
  /** Runs one host's restart as a step of the XO task. */
  step<T>(host: HostTarget, fn: () => Promise<T>): Promise<T>
  timeoutMs: number
  pollMs: number
  /** Reads each host's SSH before its restart and puts it back after when the restart opened it. */
  ssh?: SshRestartCheck
}

/** Restarts `hosts` in order; returns a row per host, the hosts after a failure or a refusal being `notAttempted`. */
export async function rollingRestart(hosts: readonly HostTarget[], deps: RollDeps): Promise<HostRestartResult[]> {
  const results: HostRestartResult[] = []
  for (const host of hosts) {
    const failed = results.some(result => result.outcome === 'failed' || result.outcome === 'refused')
    results.push(failed ? { host: hostRef(host), outcome: 'notAttempted' } : await stepOf(host, deps))
  }
  return results
}

/** The host's step fails in the XO task when the host does; its row is kept either way. */
class HostRestartFailure extends Error {
  readonly result: HostRestartResult

  constructor(result: HostRestartResult) {
    super(`${result.host.label}: ${result.error?.message ?? 'restart failed'}`)
    this.name = 'HostRestartFailure'
    this.result = result
  }
}

async function stepOf(host: HostTarget, deps: RollDeps): Promise<HostRestartResult> {
  try {
    return await deps.step(host, () => restartOne(host, deps))
  } catch (error) {
    if (error instanceof HostRestartFailure) {
      return error.result
    }
    throw error
  }
}

// A call that hangs (XAPI or SSH not answering at all) must not outlive the host's deadline either; the
// grace lets the wait's own deadline, which says more, win when nothing hangs.
const HANG_GRACE_MS = 2_000

interface Progress {
  before?: AgentState
  restartSent: boolean
}

async function restartOne(host: HostTarget, deps: RollDeps): Promise<HostRestartResult> {
  const refusal = await askGate(host, deps.gate)
  if (refusal !== undefined) {
    throw new HostRestartFailure({ host: hostRef(host), outcome: 'refused', error: { message: refusal.reason }, gate: refusal.preflight })
  }
  const sshBefore = await deps.ssh?.before(host)
  const startedAt = Date.now()
  const progress: Progress = { restartSent: false }
  try {
    const after = await withTimeout(
      restartAndWait(host, deps, startedAt + deps.timeoutMs, progress),
      deps.timeoutMs + HANG_GRACE_MS,
      () => new TimeoutError(`the restart of ${host.label}`, deps.timeoutMs)
    )
    return {
      host: hostRef(host),
      outcome: 'restarted',
      durationMs: Date.now() - startedAt,
      agentStartTime: { before: progress.before!.agentStartTime, after: after.agentStartTime },
      ssh: sshBefore === undefined ? undefined : await deps.ssh!.after(host, sshBefore),
    }
  } catch (error) {
    throw new HostRestartFailure({
      host: hostRef(host),
      outcome: 'failed',
      durationMs: Date.now() - startedAt,
      agentStartTime: progress.before === undefined ? undefined : { before: progress.before.agentStartTime },
      error: describeError(error),
      diagnosis: progress.restartSent ? await deps.diagnose(host) : undefined,
    })
  }
}

/** A gate that cannot make its checks refuses: nothing restarts on unchecked ground. */
async function askGate(host: HostTarget, gate: RestartGate): Promise<GateRefusal | undefined> {
  try {
    return await gate.check(host)
  } catch (error) {
    return { reason: `the checks before ${host.label} could not be made: ${describeError(error).message}` }
  }
}

async function restartAndWait(host: HostTarget, deps: RollDeps, deadline: number, progress: Progress): Promise<AgentState> {
  const { read, close } = deps.watchAgent(host)
  try {
    const before = await read().catch(error => {
      if (deps.restarter.confirmsStart !== true) {
        throw error
      }
      return UNKNOWN_AGENT_STATE
    })
    progress.before = before
    progress.restartSent = true
    await deps.restarter.restart(host, deadline)
    return await waitForAgent({ read, before, deadline, pollMs: deps.pollMs })
  } finally {
    await close()
  }
}
