import assert from 'node:assert/strict'
import { rollingRestart, type HostRestarter, type RollDeps } from '../../src/services/restart/rolling'
import { waitForAgent, waitForXoObjects, AgentNotBackError, type AgentState } from '../../src/services/restart/waiter'
import type { XoApp } from '../../src/xo/types'
import type { HostTarget } from '../../src/xo/targets'
import { host } from './fixtures'

/** Hosts whose agent "restarts" `delayMs` after being asked, unless they are broken; records the order. */
class FakeHosts implements HostRestarter {
  readonly restarted: string[] = []
  readonly #states = new Map<string, AgentState>()
  readonly #broken: Set<string>

  constructor(readonly delayMs: number, broken: string[] = []) {
    this.#broken = new Set(broken)
  }

  read(target: HostTarget): () => Promise<AgentState> {
    return async () => this.#states.get(target.id) ?? { agentStartTime: 1000, enabled: true }
  }

  async restart(target: HostTarget): Promise<void> {
    this.restarted.push(target.label)
    const before = this.#states.get(target.id) ?? { agentStartTime: 1000, enabled: true }
    this.#states.set(target.id, { ...before, enabled: false })
    if (!this.#broken.has(target.label)) {
      setTimeout(() => this.#states.set(target.id, { agentStartTime: before.agentStartTime! + 5, enabled: true }), this.delayMs)
    }
  }
}

function deps(hosts: FakeHosts, timeoutMs: number, steps: string[] = []): RollDeps {
  return {
    gate: { check: async () => undefined },
    restarter: hosts,
    watchAgent: target => ({ read: hosts.read(target), close: async () => {} }),
    diagnose: async target => ({ advice: [`look at ${target.label}`] }),
    step: async (target, fn) => {
      steps.push(target.label)
      return fn()
    },
    timeoutMs,
    pollMs: 10,
  }
}

describe('restart: rolling restart', () => {
  it('restarts each host in the given order, one at a time, and times each', async () => {
    const hosts = new FakeHosts(50)
    const steps: string[] = []
    const rows = await rollingRestart([host(2), host(3), host(1, true)], deps(hosts, 2000, steps))
    assert.deepEqual(hosts.restarted, ['host-2', 'host-3', 'host-1'])
    assert.deepEqual(steps, ['host-2', 'host-3', 'host-1'])
    for (const row of rows) {
      assert.equal(row.outcome, 'restarted')
      assert.ok(row.durationMs! >= 45, `${row.host.label} took ${row.durationMs} ms`)
      assert.deepEqual(row.agentStartTime, { before: 1000, after: 1005 })
    }
  })

  it('stops at a host that does not come back within the timeout, and touches no later host', async () => {
    const hosts = new FakeHosts(20, ['host-3'])
    const started = Date.now()
    const rows = await rollingRestart([host(2), host(3), host(1, true)], deps(hosts, 300))
    const elapsed = Date.now() - started
    assert.ok(elapsed < 1000, `the roll took ${elapsed} ms`)
    assert.deepEqual(hosts.restarted, ['host-2', 'host-3'])
    assert.deepEqual(rows.map(row => row.outcome), ['restarted', 'failed', 'notAttempted'])
    const failed = rows[1]
    assert.ok(failed.durationMs! >= 300 && failed.durationMs! < 800, `waited ${failed.durationMs} ms`)
    assert.match(failed.error!.message, /agent_start_time is still 1000/)
    assert.deepEqual(failed.diagnosis, { advice: ['look at host-3'] })
  })

  it('asks the gate before every host and stops, untouched, before the first host it refuses', async () => {
    const hosts = new FakeHosts(10)
    const asked: string[] = []
    const rows = await rollingRestart([host(2), host(3), host(1, true)], {
      ...deps(hosts, 2000),
      gate: {
        check: async target => {
          asked.push(target.label)
          return target.label === 'host-3' ? { reason: 'HA is enabled on pool pool-1' } : undefined
        },
      },
    })
    assert.deepEqual(asked, ['host-2', 'host-3'])
    assert.deepEqual(hosts.restarted, ['host-2'])
    assert.deepEqual(rows.map(row => row.outcome), ['restarted', 'refused', 'notAttempted'])
    assert.equal(rows[1].error?.message, 'HA is enabled on pool pool-1')
  })

  it('a gate that cannot make its checks refuses the host', async () => {
    const hosts = new FakeHosts(10)
    const rows = await rollingRestart([host(2)], {
      ...deps(hosts, 2000),
      gate: {
        check: async () => {
          throw new Error('reading the pool\'s HA state timed out after 5 s')
        },
      },
    })
    assert.deepEqual(hosts.restarted, [])
    assert.equal(rows[0].outcome, 'refused')
    assert.match(rows[0].error!.message, /the checks before host-2 could not be made: reading the pool's HA state timed out/)
  })

  it('does not diagnose a host it could not even read', async () => {
    const hosts = new FakeHosts(10)
    const rows = await rollingRestart([host(2)], {
      ...deps(hosts, 200),
      watchAgent: () => ({
        close: async () => {},
        read: async () => {
          throw new Error('HOST_OFFLINE')
        },
      }),
    })
    assert.equal(rows[0].outcome, 'failed')
    assert.equal(rows[0].diagnosis, undefined)
    assert.deepEqual(hosts.restarted, [])
  })
})

describe('restart: waiting for an agent', () => {
  it("never passes a client's internal assertion on to the admin", async () => {
    const read = async (): Promise<AgentState> => {
      assert.notEqual(undefined, undefined)
      throw new Error('unreachable')
    }
    const error = await waitForAgent({ read, before: { agentStartTime: 1000, enabled: true }, deadline: Date.now() + 50, pollMs: 10 }).catch(e => e)
    assert.ok(error instanceof AgentNotBackError)
    assert.equal(error.message, 'XAPI did not answer (the connection to XAPI was not ready)')
  })

  it('needs a newer agent_start_time and the host enabled again', async () => {
    const states: AgentState[] = [
      { agentStartTime: 10, enabled: true },
      { agentStartTime: 12, enabled: false },
      { agentStartTime: 12, enabled: true },
    ]
    let reads = 0
    const read = async () => states[Math.min(reads++, states.length - 1)]
    const back = await waitForAgent({ read, before: { agentStartTime: 10, enabled: true }, deadline: Date.now() + 1000, pollMs: 1 })
    assert.deepEqual(back, { agentStartTime: 12, enabled: true })
    assert.equal(reads, 3)
  })

  it('keeps polling through errors while XAPI is down', async () => {
    let reads = 0
    const read = async () => {
      if (++reads < 3) throw new Error('connect ECONNREFUSED')
      return { agentStartTime: 11, enabled: true }
    }
    assert.deepEqual(await waitForAgent({ read, before: { agentStartTime: 10, enabled: true }, deadline: Date.now() + 1000, pollMs: 1 }), {
      agentStartTime: 11,
      enabled: true,
    })
  })

  it('accepts a disabled host that was disabled before, and a first agent_start_time', async () => {
    const read = async () => ({ agentStartTime: 11, enabled: false })
    const deadline = Date.now() + 1000
    assert.equal((await waitForAgent({ read, before: { agentStartTime: 10, enabled: false }, deadline, pollMs: 1 })).agentStartTime, 11)
    const first = async () => ({ agentStartTime: 11, enabled: true })
    assert.equal((await waitForAgent({ read: first, before: { enabled: true }, deadline, pollMs: 1 })).agentStartTime, 11)
  })

  it('gives up at the deadline with what it last saw', async () => {
    const read = async () => {
      throw new Error('connect ECONNREFUSED 127.77.1.1:443')
    }
    await assert.rejects(
      waitForAgent({ read, before: { agentStartTime: 10, enabled: true }, deadline: Date.now() + 50, pollMs: 10 }),
      (error: unknown) => error instanceof AgentNotBackError && /ECONNREFUSED/.test(error.message)
    )
  })
})

describe("restart: waiting for XO's objects after a master restart", () => {
  /** An XO that shows its objects again after `hiddenReads` failed lookups. */
  function hidingXo(hiddenReads: number): XoApp {
    let lookups = 0
    return {
      getObject: (id: string) => {
        if (++lookups <= hiddenReads) throw new Error(`no such object ${id}`)
        return { id, type: 'pool' }
      },
    } as unknown as XoApp
  }

  it('resolves true once XO shows every object again', async () => {
    assert.equal(await waitForXoObjects(hidingXo(3), ['pool', 'host-1'], Date.now() + 1000, 1), true)
  })

  it('resolves false at the deadline when XO still hides them', async () => {
    assert.equal(await waitForXoObjects(hidingXo(Infinity), ['pool'], Date.now() + 30, 5), false)
  })
})

describe('restart: a host that hangs', function () {
  this.timeout(10_000)

  it('fails at its deadline even when a call never answers', async () => {
    const hosts = new FakeHosts(10)
    const hang: HostRestarter = { restart: () => new Promise<void>(() => {}) }
    const started = Date.now()
    const rows = await rollingRestart([host(2), host(3)], { ...deps(hosts, 200), restarter: hang })
    assert.ok(Date.now() - started < 200 + 2000 + 500, `took ${Date.now() - started} ms`)
    assert.deepEqual(rows.map(row => row.outcome), ['failed', 'notAttempted'])
    assert.match(rows[0].error!.message, /the restart of host-2 timed out/)
    assert.deepEqual(rows[0].diagnosis, { advice: ['look at host-2'] })
  })
})
