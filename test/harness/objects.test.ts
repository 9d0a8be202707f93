// XAPI records → XO objects, on hand-made records shaped like the `xen-api` client's (with `$<field>`
// resolvers), for what the simulator does not produce: missing fields, dates, non-running hosts.
import assert from 'node:assert/strict'

import { parseDateTime, xapiObjectToXo, type XapiRecord } from './objects'

function record(type: string, ref: string, fields: Record<string, unknown>, links: Record<string, unknown> = {}): XapiRecord {
  const xapi = { getObject: () => undefined }
  const result = { $type: type, $ref: ref, $id: (fields.uuid as string) ?? ref, $xapi: xapi, ...fields }
  for (const [name, value] of Object.entries(links)) Object.defineProperty(result, name, { value })
  return result as unknown as XapiRecord
}

const pool = record('pool', 'OpaqueRef:pool', { uuid: 'pool-uuid' })
Object.defineProperty(pool, '$pool', { value: pool })

function host(fields: Record<string, unknown> = {}, metrics?: Record<string, unknown>): XapiRecord {
  return record(
    'host',
    'OpaqueRef:host',
    {
      uuid: 'host-uuid',
      address: '127.0.0.2',
      enabled: true,
      metrics: 'OpaqueRef:metrics',
      software_version: { product_version: '8.3.0', product_brand: 'XCP-ng', platform_version: '3.4.0' },
      other_config: { agent_start_time: '1795753004.478', boot_time: '1795665786.' },
      chipset_info: {},
      license_params: {},
      capabilities: ['hvm-3.0-x86_64'],
      ...fields,
    },
    { $pool: pool, $metrics: metrics }
  )
}

describe('harness: XAPI records as XO objects', () => {
  it('parses XAPI dates and numeric strings to seconds, and the epoch to null', () => {
    assert.equal(parseDateTime('20261127T04:26:23Z'), Date.UTC(2026, 10, 27, 4, 26, 23) / 1e3)
    assert.equal(parseDateTime('1795753004.478'), 1795753004.478)
    assert.equal(parseDateTime('19700101T00:00:00Z'), null)
    assert.throws(() => parseDateTime('20261127T042623Z'), RangeError)
  })

  it('builds a host with its identity, versions and times, frozen, with _xapiRef enumerable', () => {
    const object = xapiObjectToXo(host({}, { live: true, memory_total: '68719476736', memory_free: '42949672960' }), {})!
    assert.equal(object.id, 'host-uuid')
    assert.equal(object.type, 'host')
    assert.equal(object.$pool, 'pool-uuid')
    assert.equal(object.$poolId, 'pool-uuid')
    assert.equal(object.version, '8.3.0')
    assert.equal(object.productBrand, 'XCP-ng')
    assert.equal(object.agentStartTime, 1795753004.478)
    assert.equal(object.startTime, 1795665786)
    assert.equal(object.power_state, 'Running')
    assert.deepEqual(object.memory, { usage: 25769803776, size: 68719476736 })
    assert.ok(Object.keys(object).includes('_xapiRef'))
    assert.ok(Object.isFrozen(object))
  })

  it('says Halted for a host whose metrics are not live, Unknown without metrics', () => {
    assert.equal(xapiObjectToXo(host({}, { live: false, memory_total: '0', memory_free: '0' }), {})!.power_state, 'Halted')
    assert.equal(xapiObjectToXo(host(), {})!.power_state, 'Unknown')
  })

  it('registers the host as dependent on its metrics record', () => {
    const dependents: Record<string, string> = {}
    xapiObjectToXo(host(), dependents)
    assert.deepEqual(dependents, { 'OpaqueRef:metrics': 'host-uuid' })
  })

  for (const field of ['chipset_info', 'license_params', 'capabilities', 'software_version', 'other_config']) {
    it(`fails, as xo-server does, on a host without ${field}`, () => {
      assert.throws(() => xapiObjectToXo(host({ [field]: undefined }), {}), TypeError)
    })
  }

  it('fails on a pool whose master is not in the cache, or without ha_statefiles or restrictions', () => {
    const poolRecord = (links: Record<string, unknown>, fields: Record<string, unknown> = {}) =>
      record('pool', 'OpaqueRef:pool', { uuid: 'pool-uuid', other_config: {}, restrictions: {}, name_label: 'p', ...fields }, {
        $pool: pool,
        ...links,
      })
    const master = host()
    assert.equal(xapiObjectToXo(poolRecord({ $master: master, $ha_statefiles: [] }), {})!.master, 'host-uuid')
    assert.throws(() => xapiObjectToXo(poolRecord({ $ha_statefiles: [] }), {}), TypeError)
    assert.throws(() => xapiObjectToXo(poolRecord({ $master: master }), {}), TypeError)
    assert.throws(() => xapiObjectToXo(poolRecord({ $master: master, $ha_statefiles: [] }, { restrictions: undefined }), {}), TypeError)
  })

  it('builds tasks with their host, and ignores classes XO does not show', () => {
    const task = record(
      'task',
      'OpaqueRef:task',
      { uuid: 'task-uuid', other_config: {}, status: 'pending', progress: 0.5, created: '20261127T04:26:23Z', finished: '19700101T00:00:00Z' },
      { $pool: pool, $resident_on: host() }
    )
    const object = xapiObjectToXo(task, {})!
    assert.equal(object.$host, 'host-uuid')
    assert.equal(object.progress, 0.5)
    assert.equal(object.finished, null)
    assert.equal(object.xapiRef, 'OpaqueRef:task')
    assert.equal(xapiObjectToXo(record('host_metrics', 'OpaqueRef:m', {}, { $pool: pool }), {}), undefined)
  })
})
