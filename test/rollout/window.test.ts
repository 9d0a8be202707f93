// The restart window: HH:MM in an IANA time zone, end excluded, wrapping midnight; and the rollout order.
import assert from 'node:assert/strict'
import { rolloutOrder } from '../../src/services/rollout/order'
import { checkWindow, isInsideWindow } from '../../src/services/rollout/window'

const at = (iso: string) => new Date(iso)

describe('rollout: restart window', function () {
  it('is read in its time zone, start included, end excluded', function () {
    const paris = { start: '22:00', end: '23:30', timeZone: 'Europe/Paris' }
    // 20:59 and 21:00 UTC are 21:59 and 22:00 in Paris in winter
    assert.equal(isInsideWindow(paris, at('2026-12-04T20:59:00Z')), false)
    assert.equal(isInsideWindow(paris, at('2026-12-04T21:00:00Z')), true)
    assert.equal(isInsideWindow(paris, at('2026-12-04T22:29:00Z')), true)
    assert.equal(isInsideWindow(paris, at('2026-12-04T22:30:00Z')), false)
    // in summer Paris is UTC+2
    assert.equal(isInsideWindow(paris, at('2026-07-04T20:00:00Z')), true)
  })

  it('wraps midnight when its end comes before its start', function () {
    const night = { start: '22:00', end: '04:00', timeZone: 'UTC' }
    assert.equal(isInsideWindow(night, at('2026-12-04T23:59:00Z')), true)
    assert.equal(isInsideWindow(night, at('2026-12-05T00:00:00Z')), true)
    assert.equal(isInsideWindow(night, at('2026-12-05T03:59:00Z')), true)
    assert.equal(isInsideWindow(night, at('2026-12-05T04:00:00Z')), false)
    assert.equal(isInsideWindow(night, at('2026-12-05T12:00:00Z')), false)
    assert.equal(isInsideWindow(night, at('2026-12-05T21:59:00Z')), false)
  })

  it('refuses a bad time, an unknown zone and an empty window with invalidParameters naming the field', function () {
    for (const [window, field] of [
      [{ start: '24:00', end: '01:00', timeZone: 'UTC' }, 'window.start'],
      [{ start: '01:00', end: '1:00', timeZone: 'UTC' }, 'window.end'],
      [{ start: '01:00', end: '02:00', timeZone: 'Nowhere/Land' }, 'window.timeZone'],
      [{ start: '01:00', end: '01:00', timeZone: 'UTC' }, 'window'],
    ] as const) {
      assert.throws(() => checkWindow(window), (error: any) => error.code === 10 && JSON.stringify(error.data).includes(field))
    }
  })
})

describe('rollout: order', function () {
  const pools = [
    { id: 'c', label: 'pool-10', hostCount: 2 },
    { id: 'a', label: 'pool-2', hostCount: 5 },
    { id: 'b', label: 'pool-1', hostCount: 2 },
    { id: 'd', label: 'pool-3', hostCount: 3 },
  ]

  it('takes the smallest pool as canary (ties by name, naturally), then waves of poolsAtOnce by name', function () {
    assert.deepEqual(rolloutOrder(pools, { poolsAtOnce: 2 }), { canary: 'b', waves: [['b'], ['a', 'd'], ['c']] })
    assert.deepEqual(rolloutOrder(pools, { poolsAtOnce: 1 }).waves, [['b'], ['a'], ['d'], ['c']])
  })

  it('puts the named canary first and refuses one that is not a pool of the rollout', function () {
    assert.deepEqual(rolloutOrder(pools, { canary: 'a', poolsAtOnce: 3 }).waves, [['a'], ['b', 'd', 'c']])
    assert.throws(() => rolloutOrder(pools, { canary: 'z', poolsAtOnce: 1 }), (error: any) => error.code === 10)
  })
})
