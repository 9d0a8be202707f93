// The order of a rollout: a canary pool first (the one named, or the smallest by host count, ties broken
// by name then id), then waves of at most `poolsAtOnce` pools in the same stable order.
import { compareNatural } from '../../util/natural-order'
import { invalidParameters, paramError } from '../../xo/errors'

export interface PoolSize {
  id: string
  label: string
  hostCount: number
}

export interface RolloutOrder {
  canary: string
  /** Pool ids, wave by wave: wave 0 is the canary alone. */
  waves: string[][]
}

export function rolloutOrder(pools: readonly PoolSize[], { canary, poolsAtOnce }: { canary?: string; poolsAtOnce: number }): RolloutOrder {
  const sorted = [...pools].sort((a, b) => compareNatural(a.label, b.label) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const first = canary ?? smallest(sorted).id
  if (!sorted.some(pool => pool.id === first)) {
    invalidParameters('the canary is not one of the pools of the rollout', [paramError('canary', 'not one of the pools', { canary: first })])
  }
  const rest = sorted.filter(pool => pool.id !== first).map(pool => pool.id)
  const waves: string[][] = [[first]]
  for (let index = 0; index < rest.length; index += poolsAtOnce) {
    waves.push(rest.slice(index, index + poolsAtOnce))
  }
  return { canary: first, waves }
}

function smallest(sorted: readonly PoolSize[]): PoolSize {
  return sorted.reduce((best, pool) => (pool.hostCount < best.hostCount ? pool : best))
}
