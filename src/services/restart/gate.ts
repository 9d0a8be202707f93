// The restart gate: what is checked again right before each host of a roll restarts, because any of it
// can change while earlier hosts restart. HA is read from XAPI at that moment, the host's files are read
// again over SSH and linted, the tasks, VM transfers, XO jobs and XO tasks it would cut are listed again.
// Every restart goes through the roll (src/services/restart/rolling.ts), which asks this gate before
// every host, so no restart path can skip it.
import { stepInfo } from '../../xo/step'
import type { HostTarget, PoolTarget } from '../../xo/targets'
import { gatherFacts, type FactSources } from './facts'
import { buildPreflight, describeRisks, type PreflightChoices } from './preflight'
import type { Preflight } from './types'

export interface GateRefusal {
  /** Why the host may not restart now, in full. */
  reason: string
  /** What the gate read, when it could read it. */
  preflight?: Preflight
}

export interface RestartGate {
  /** Undefined when `host` may restart now; otherwise why not. */
  check(host: HostTarget): Promise<GateRefusal | undefined>
}

export interface GateOptions {
  /** Called before each host: the cache of xo-server's client may have come or gone since the last host. */
  sources(): FactSources
  pool: PoolTarget
  choices: PreflightChoices
  bypassTaskCheck: boolean
}

export function restartGate({ sources, pool, choices, bypassTaskCheck }: GateOptions): RestartGate {
  return {
    async check(host) {
      const facts = await gatherFacts(sources(), { pool, hosts: [host] }, choices.mode)
      const preflight = buildPreflight(facts, choices)
      const reason = refusalReason(preflight, bypassTaskCheck)
      if (reason !== undefined) {
        return { reason, preflight }
      }
      stepInfo(`restart gate passed for ${host.label}`, { warnings: preflight.warnings })
      return undefined
    },
  }
}

/** The rules, once: a blocker always refuses; something at risk refuses unless the caller bypassed the task check. */
export function refusalReason(preflight: Preflight, bypassTaskCheck: boolean): string | undefined {
  if (!preflight.canRestart) {
    return preflight.blockers.map(blocker => blocker.message).join('; ')
  }
  if (preflight.needsBypass && !bypassTaskCheck) {
    const risks = describeRisks(preflight)
    return `${risks.length} thing(s) would be lost: ${risks.join('; ')} (pass bypassTaskCheck=true to restart anyway)`
  }
  return undefined
}
