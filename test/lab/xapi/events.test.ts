// event.inject / event.from on the wire, as XAPI answers them: tokens, add/mod/del, no snapshot
// on del, valid_ref_counts of every table, long polls that end on a change or the timeout.
import * as assert from 'node:assert/strict'

import type { SimPool } from '../contract'
import { CREDENTIALS, jsonRpc, LabFixture } from './fixtures'
import { startXapiSim, type XapiSim } from './index'

interface Batch {
  events: Array<{ id: string; timestamp: string; class: string; operation: string; ref: string; snapshot?: Record<string, unknown> }>
  valid_ref_counts: Record<string, number>
  token: string
}

describe('lab XAPI simulator: events', function () {
  this.timeout(30_000)
  let fixture: LabFixture
  let pool: SimPool
  let sim: XapiSim
  let session: string

  const call = async (method: string, ...params: unknown[]) => {
    const answer = (await jsonRpc(pool.hosts[0]!.address, method, [session, ...params])) as { result?: unknown; error?: unknown }
    if (answer.error !== undefined) throw Object.assign(new Error(method), { xapi: answer.error })
    return answer.result
  }
  const from = (token: string, timeout = 5, classes = ['task', 'pool']) => call('event.from', classes, token, timeout) as Promise<Batch>

  before(async () => {
    fixture = new LabFixture()
    pool = fixture.pool(234, 2)
    sim = await startXapiSim({ pools: [pool] })
    const login = (await jsonRpc(pool.hosts[0]!.address, 'session.login_with_password', [CREDENTIALS.username, CREDENTIALS.password])) as {
      result: string
    }
    session = login.result
  })
  after(async () => {
    await sim.close()
    fixture.cleanUp()
  })

  it('injects a pool mod just after the token it returns', async () => {
    const token = (await call('event.inject', 'pool', sim.poolRef(pool.uuid))) as string
    assert.match(token, /^\d{20},\d{20}$/)
    const batch = await from(token)
    assert.deepEqual(
      batch.events.map(event => [event.class, event.operation, event.ref, event.timestamp]),
      [['pool', 'mod', sim.poolRef(pool.uuid), '0.0']]
    )
    assert.equal(batch.events[0]!.id, String(Number(token.split(',')[0]) + 1))
    assert.equal(batch.token, `${batch.events[0]!.id.padStart(20, '0')},${'0'.repeat(20)}`)
    assert.deepEqual(batch.valid_ref_counts, { pool: 1, host: 2, host_metrics: 2, task: 0, vm: 0, sr: 0 })
  })

  it('reports a created task as add with its record, and its destruction as del without snapshot', async () => {
    const start = (await call('event.inject', 'pool', sim.poolRef(pool.uuid))) as string
    const { token } = await from(start)
    const waiting = from(token)
    const ref = await sim.createTask(pool.uuid, { name_label: 'VM.export' })
    const added = await waiting
    assert.deepEqual(added.events.map(event => [event.class, event.operation, event.ref]), [['task', 'add', ref]])
    assert.equal(added.events[0]!.snapshot!.name_label, 'VM.export')
    assert.equal(added.valid_ref_counts.task, 1)

    sim.finishTask(pool.uuid, ref)
    await call('task.destroy', ref)
    const deleted = await from(added.token)
    assert.deepEqual(deleted.events.at(-1), { id: deleted.events.at(-1)!.id, timestamp: '0.0', class: 'task', operation: 'del', ref })
    assert.equal(deleted.events.length, 1, 'the completion and the deletion of an existing object: one del')
    assert.equal(deleted.valid_ref_counts.task, 0)
  })

  it('returns every object as add from the empty token, and nothing for one created and deleted since', async () => {
    const ref = await sim.createTask(pool.uuid, { name_label: 'short-lived' })
    sim.finishTask(pool.uuid, ref)
    await call('task.destroy', ref)
    const batch = await from('', 5, ['*'])
    const operations = new Set(batch.events.map(event => event.operation))
    assert.deepEqual([...operations], ['add'])
    assert.equal(batch.events.filter(event => event.class === 'host').length, 2)
    assert.ok(!batch.events.some(event => event.ref === ref))
  })

  it('ends a long poll with no events at its timeout, and refuses a bad token or handle', async () => {
    const start = (await call('event.inject', 'pool', sim.poolRef(pool.uuid))) as string
    const { token } = await from(start)
    const began = Date.now()
    const idle = await from(token, 0.3, ['task'])
    assert.deepEqual(idle.events, [])
    assert.equal(idle.token, token)
    assert.ok(Date.now() - began >= 300)
    await assert.rejects(from('yesterday'), { xapi: { code: 1, message: 'EVENT_FROM_TOKEN_PARSE_FAILURE', data: ['yesterday'] } })
    await assert.rejects(call('event.inject', 'host', sim.poolRef(pool.uuid)), {
      xapi: { code: 1, message: 'HANDLE_INVALID', data: ['host', sim.poolRef(pool.uuid)] },
    })
  })
})
