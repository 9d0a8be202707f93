import { getEventListeners } from 'node:events'
import assert from 'node:assert/strict'
import { HostSlots } from '../../src/ssh/host-slots'

const tick = () => new Promise(resolve => setImmediate(resolve))

describe('ssh/host-slots: the fleet-wide bound, in hosts', () => {
  it('admits up to the limit of distinct hosts and queues the next one until a host is released', async () => {
    const slots = new HostSlots(2)
    const releaseA = await slots.acquire('a')
    await slots.acquire('b')
    let admittedC = false
    const c = slots.acquire('c').then(release => ((admittedC = true), release))
    await tick()
    assert.equal(admittedC, false)
    assert.equal(slots.active, 2)
    releaseA()
    await c
    assert.equal(admittedC, true)
    assert.deepEqual(slots.active, 2)
  })

  it('lets a caller for a host already in a slot join it without taking another slot', async () => {
    const slots = new HostSlots(1)
    const first = await slots.acquire('a')
    const second = await slots.acquire('a')
    assert.equal(slots.active, 1)
    first()
    assert.equal(slots.active, 1, 'the host keeps its slot while a caller still works on it')
    second()
    assert.equal(slots.active, 0)
  })

  it('admits waiters oldest first, and waiters for the admitted host along with it', async () => {
    const slots = new HostSlots(1)
    const release = await slots.acquire('a')
    const order: string[] = []
    const waiters = ['b', 'c', 'b'].map((host, index) => slots.acquire(host).then(r => (order.push(`${host}${index}`), r)))
    await tick()
    release()
    await tick()
    assert.deepEqual(order, ['b0', 'b2'])
    ;(await waiters[0])()
    ;(await waiters[2])()
    await waiters[1]
    assert.deepEqual(order, ['b0', 'b2', 'c1'])
  })

  it('ignores a second call of the same release function', async () => {
    const slots = new HostSlots(1)
    const releaseA = await slots.acquire('a')
    const releaseA2 = await slots.acquire('a')
    releaseA()
    releaseA()
    assert.equal(slots.active, 1)
    releaseA2()
    assert.equal(slots.active, 0)
  })

  it('withdraws a waiter whose signal aborts: it rejects, and the next waiter gets the slot', async () => {
    const slots = new HostSlots(1)
    const release = await slots.acquire('a')
    const controller = new AbortController()
    const withdrawn = slots.acquire('b', controller.signal)
    const next = slots.acquire('c')
    controller.abort(new Error('check over'))
    await assert.rejects(withdrawn, /check over/)
    release()
    const releaseC = await next
    assert.equal(slots.active, 1)
    releaseC()
    await assert.rejects(slots.acquire('d', controller.signal), /check over/, 'an aborted signal does not queue')
    assert.equal(slots.active, 0)
  })

  it('withdraws hundreds of waiters of one signal through one listener on it', async () => {
    const slots = new HostSlots(1)
    const release = await slots.acquire('busy')
    const controller = new AbortController()
    const waiters = Array.from({ length: 200 }, (_, index) => slots.acquire(`host-${index}`, controller.signal))
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1)
    controller.abort(new Error('over'))
    const outcomes = await Promise.allSettled(waiters)
    assert.deepEqual(new Set(outcomes.map(outcome => outcome.status)), new Set(['rejected']))
    release()
    assert.equal(slots.active, 0)
  })

  it('an abort after the slot was given changes nothing', async () => {
    const slots = new HostSlots(1)
    const release = await slots.acquire('a')
    const controller = new AbortController()
    const waiting = slots.acquire('b', controller.signal)
    release()
    const releaseB = await waiting
    controller.abort()
    assert.equal(slots.active, 1)
    releaseB()
    assert.equal(slots.active, 0)
  })

  it('refuses a limit that is not a positive integer', () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new HostSlots(limit), RangeError)
    }
  })
})
