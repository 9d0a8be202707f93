// What a rollout would do in one pool, read without writing: each file change's plan (with the change
// gate's refusals) and, when a restart would start, the restart check of the hosts that change. Both the
// preview and each pool's step of a real rollout start here.
import { describeError } from '../../xo/errors'
import { refuseUnlessApplicable } from '../change-gate/gate'
import type { ChangePlan } from '../dropins/plan'
import type { HostRef } from '../fleet'
import { describeRisks } from '../restart/preflight'
import type { Preflight } from '../restart/types'
import type { FileChange } from './forms'

export interface PoolPlan {
  plans: ChangePlan[]
  /** Why the change gate would refuse the pool (unreachable host, lint, trust rule…); undefined when it accepts it. */
  refusal?: string
  /** The hosts whose file would change. */
  changing: HostRef[]
}

export async function planPool(changes: readonly FileChange[]): Promise<PoolPlan> {
  let plans: ChangePlan[]
  try {
    plans = await Promise.all(changes.map(change => change.plan()))
  } catch (error) {
    return { plans: [], refusal: describeError(error).message, changing: [] }
  }
  const refusal = plans.map(gateRefusal).find(reason => reason !== undefined)
  return { plans, refusal, changing: changingHosts(plans) }
}

function gateRefusal(plan: ChangePlan): string | undefined {
  try {
    refuseUnlessApplicable(plan)
    return undefined
  } catch (error) {
    const { message, data } = describeError(error)
    const actual = (data as { actual?: unknown } | undefined)?.actual
    return actual === undefined ? message : `${message}: ${JSON.stringify(actual)}`
  }
}

function changingHosts(plans: readonly ChangePlan[]): HostRef[] {
  const hosts = new Map<string, HostRef>()
  for (const row of plans.flatMap(plan => plan.hosts)) {
    if (row.ok && row.changed) {
      hosts.set(row.host.id, row.host)
    }
  }
  return [...hosts.values()]
}

/** What a restart of these hosts would cut (refuses without bypass) and what forbids it (refuses always). */
export function restartConcerns(preflight: Preflight): { risks: string[]; blockers: string[] } {
  return { risks: describeRisks(preflight), blockers: preflight.blockers.map(blocker => blocker.message) }
}
