// The two ways to restart a host's toolstack (reference §5.4). 'toolstack' runs the script the XCP-ng
// docs give, over SSH, and learns its exit status and output, then waits for the init-complete cookie
// on the host. 'agent' asks XAPI (`host.restart_agent`), which runs the same script one second later
// and reports nothing: no SSH needed, but a failure shows only as a host that does not come back.
import type { CommandResult, FixedCommand } from '../../ssh'
import { MAX_WAIT_SECONDS } from '../../ssh/commands'
import type { HostTarget } from '../../xo/targets'
import type { Xapi } from '../../xo/types'
import type { HostRestarter } from './rolling'
import type { RestartMode, StartupPrediction } from './types'

/** What the restart needs from SSH access to hosts (./ssh-access.ts builds it from src/ssh and src/conf). */
export interface RestartHostAccess {
  /** Why SSH cannot be used at all (not configured), or undefined when it can. */
  unavailableReason(): string | undefined
  run(host: HostTarget, command: FixedCommand, timeoutMs: number): Promise<CommandResult>
  /** Reads the host's xapi.conf and xapi.conf.d and runs the startup linter on them. */
  predictStartup(host: HostTarget): Promise<StartupPrediction>
}

export class ToolstackRestarter implements HostRestarter {
  readonly #access: RestartHostAccess
  readonly confirmsStart = true

  constructor(access: RestartHostAccess) {
    this.#access = access
  }

  async restart(host: HostTarget, deadline: number): Promise<void> {
    const restart = await this.#access.run(host, { kind: 'toolstack-restart' }, remainingMs(deadline))
    if (restart.exitCode !== 0) {
      throw new Error(`xe-toolstack-restart exited with ${restart.exitCode ?? 'a signal'}: ${lastLines(restart)}`)
    }
    const seconds = Math.min(MAX_WAIT_SECONDS, Math.max(1, Math.floor(remainingMs(deadline) / 1000)))
    const wait = await this.#access.run(host, { kind: 'wait-init-complete', seconds }, remainingMs(deadline) + 5_000)
    if (wait.exitCode !== 0) {
      throw new Error(`XAPI did not finish starting within ${seconds} s (xapi-wait-init-complete exited with ${wait.exitCode ?? 'a signal'})`)
    }
  }
}

export class AgentRestarter implements HostRestarter {
  readonly #xapi: Xapi

  constructor(xapi: Xapi) {
    this.#xapi = xapi
  }

  async restart(host: HostTarget): Promise<void> {
    await this.#xapi.call('host.restart_agent', host.xapiRef)
  }
}

/** The mode used when the caller gives none, and why: shown in the preflight and the report. */
export function defaultMode(access: RestartHostAccess): { mode: RestartMode; reason: string } {
  const unavailable = access.unavailableReason()
  return unavailable === undefined
    ? { mode: 'toolstack', reason: 'SSH access is configured: xe-toolstack-restart over SSH, as the XCP-ng docs do it, reports its exit status' }
    : { mode: 'agent', reason: `SSH access is not usable (${unavailable}): XAPI's host.restart_agent needs none` }
}

function remainingMs(deadline: number): number {
  return Math.max(1_000, deadline - Date.now())
}

function lastLines({ stdout, stderr }: CommandResult): string {
  const text = (stderr.trim() || stdout.trim()).split('\n').slice(-5).join(' | ')
  return text === '' ? 'no output' : text
}
