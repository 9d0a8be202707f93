import assert from 'node:assert/strict'

import { createHarness, type Harness, type XoObject } from './index'

/** An XO host object as the harness builds them from XAPI, put directly in `xo.objects`. */
function putHost(harness: Harness, id: string, poolId = 'pool-1'): XoObject {
  const host = Object.freeze({ id, uuid: id, type: 'host', $pool: poolId, $poolId: poolId, _xapiRef: `OpaqueRef:${id}`, name_label: id })
  harness.xo.objects.set(id, host)
  return host
}

describe('harness: API methods and the call pipeline', () => {
  let harness: Harness
  beforeEach(async () => {
    harness = await createHarness()
  })
  afterEach(() => harness.stop())

  describe('registration', () => {
    it('names methods after their namespaces, takes [fn, info] pairs and aliases, and removes them all', async () => {
      const remove = harness.xo.addApiMethods({
        demo: {
          hello: [() => 'hi', { permission: 'admin', description: 'says hi' }],
          nested: { deep: [() => 'deep', {}] },
          greet: 'hello',
        },
      })
      assert.equal(await harness.call('demo.hello'), 'hi')
      assert.equal(await harness.call('demo.nested.deep'), 'deep')
      assert.equal(await harness.call('demo.greet'), 'hi')
      assert.equal(harness.xo.apiMethods['demo.hello'].description, 'says hi')

      remove()
      await assert.rejects(harness.call('demo.hello'), { code: -32601, message: 'method not found: demo.hello' })
      assert.equal('demo.greet' in harness.xo.apiMethods, false)
    })

    it('takes description, params and permission from the function itself', async () => {
      const method = Object.assign(({ name }: { name: string }) => `hi ${name}`, {
        permission: 'admin' as const,
        params: { name: { type: 'string' } },
      })
      harness.xo.addApiMethods({ demo: { method } })
      assert.equal(await harness.call('demo.method', { name: 'x' }), 'hi x')
      await assert.rejects(harness.call('demo.method', {}), { code: 10 })
    })

    it('refuses duplicates and unknown props, rolling back the whole namespace', () => {
      harness.xo.addApiMethod('demo.taken', () => 1)
      assert.throws(() => harness.xo.addApiMethod('demo.taken', () => 2), /API method demo.taken already exists/)

      const bad = Object.assign(() => 1, { timeout: 5 })
      assert.throws(() => harness.xo.addApiMethods({ other: { fine: () => 1, bad } }), /invalid prop timeout for API method other.bad/)
      assert.equal('other.fine' in harness.xo.apiMethods, false)
    })

    it('refuses a params schema Ajv cannot compile', () => {
      assert.throws(() => harness.xo.addApiMethod('demo.broken', () => 1, { params: { x: { type: 'nope' } } }))
    })
  })

  describe('params, with XO JSON schema rules', () => {
    const params = {
      host: { type: 'string' },
      dryRun: { type: 'boolean', optional: true },
      limit: { type: 'integer', optional: true, default: 16 },
      settings: { type: 'object', optional: true, properties: { '*': { type: 'string' } } },
      note: { type: 'string', minLength: 0, optional: true },
    }
    let received: unknown[]
    beforeEach(() => {
      received = []
      harness.xo.addApiMethod('demo.run', (p: unknown) => void received.push(p), { permission: 'admin', params })
    })

    const rejectsWith = async (p: Record<string, unknown>, keyword: string, path = '') => {
      await assert.rejects(harness.call('demo.run', p), (error: any) => {
        assert.equal(error.code, 10)
        assert.ok(
          error.data.errors.some((e: any) => e.keyword === keyword && e.instancePath === path),
          JSON.stringify(error.data.errors)
        )
        return true
      })
      assert.deepEqual(received, [], 'the method must not run')
    }

    it('requires properties not marked optional', () => rejectsWith({}, 'required'))
    it('refuses extra properties', () => rejectsWith({ host: 'h', other: 1 }, 'additionalProperties'))
    it('refuses empty strings unless minLength says otherwise', async () => {
      await rejectsWith({ host: '' }, 'minLength', '/host')
      await harness.call('demo.run', { host: 'h', note: '' })
    })
    it('checks types', () => rejectsWith({ host: 'h', dryRun: 'yes' }, 'type', '/dryRun'))
    it('types extra keys of an object with its * property', async () => {
      await harness.call('demo.run', { host: 'h', settings: { any: 'value' } })
      received = []
      await rejectsWith({ host: 'h', settings: { any: 1 } }, 'type', '/settings/any')
    })
    it('fills defaults and passes ONE params object', async () => {
      await harness.call('demo.run', { host: 'h' })
      assert.deepEqual(received, [{ host: 'h', limit: 16 }])
    })
    it('drops ignorable (?-suffixed) params the method does not know', async () => {
      await harness.call('demo.run', { host: 'h', 'unknown?': 1, 'dryRun?': true })
      assert.deepEqual(received, [{ host: 'h', dryRun: true, limit: 16 }])
    })
    it('accepts the namespace as an alias of id', async () => {
      harness.xo.addApiMethod('thing.get', ({ id }: { id: string }) => id, { params: { id: { type: 'string' } } })
      assert.equal(await harness.call('thing.get', { thing: 'abc' }), 'abc')
    })
  })

  describe('permission', () => {
    beforeEach(() => {
      harness.xo.addApiMethods({
        demo: {
          admin: [() => 'admin', { permission: 'admin' }],
          anyUser: [() => 'any', {}],
          public: [() => 'public', { permission: null }],
        },
      })
    })

    it('refuses a non-admin on an admin method with unauthorized', async () => {
      await assert.rejects(harness.call('demo.admin', {}, { user: harness.user }), {
        code: 2,
        message: 'not enough permissions',
        data: { permission: 'admin', object: { id: undefined, type: undefined } },
      })
      assert.equal(await harness.call('demo.admin'), 'admin')
    })

    it('lets any signed-in user call a method without permission, and anyone one with null', async () => {
      assert.equal(await harness.call('demo.anyUser', {}, { user: harness.user }), 'any')
      const anonymous = { id: 'nobody', email: 'x', permission: 'none' as const }
      await assert.rejects(harness.call('demo.anyUser', {}, { user: anonymous }), { code: 1, message: 'no such user nobody' })
      assert.equal(await harness.call('demo.public', {}, { user: null }), 'public')
      await assert.rejects(harness.call('demo.anyUser', {}, { user: null }), { code: 2 })
    })
  })

  describe('resolve', () => {
    beforeEach(() => {
      harness.xo.addApiMethod('demo.restart', ({ host }: { host: XoObject }) => host, {
        params: { id: { type: 'string' } },
        resolve: { host: ['id', 'host', 'administrate'] },
      })
    })

    it('replaces the id by the XO object', async () => {
      const host = putHost(harness, 'h1')
      assert.deepEqual(await harness.call('demo.restart', { id: 'h1' }), host)
      assert.deepEqual(await harness.call('demo.restart', { id: 'OpaqueRef:h1' }), host, 'by XAPI ref too')
    })

    it('throws noSuchObject for a missing object or one of another type', async () => {
      await assert.rejects(harness.call('demo.restart', { id: 'nope' }), { code: 1, data: { id: 'nope', type: 'host' } })
      harness.xo.objects.set('p1', Object.freeze({ id: 'p1', type: 'pool', $pool: 'p1', $poolId: 'p1', _xapiRef: 'OpaqueRef:p1' }))
      await assert.rejects(harness.call('demo.restart', { id: 'p1' }), { code: 1 })
    })

    it('needs an ACL on the object for a non-admin', async () => {
      putHost(harness, 'h1')
      await assert.rejects(harness.call('demo.restart', { id: 'h1' }, { user: harness.user }), {
        code: 2,
        data: { permission: 'administrate', object: { id: 'h1', type: undefined } },
      })
      const operator = { id: 'op', email: 'op@x', permission: 'none' as const, acls: { h1: 'administrate' as const } }
      harness.xo.users.add(operator, { password: 'p' })
      assert.equal((await harness.call('demo.restart', { id: 'h1' }, { user: operator })).id, 'h1')
    })
  })

  describe('the call', () => {
    it('runs with this = xo, the caller in apiContext, inside an "API call" task; undefined becomes true', async () => {
      let seen: any
      harness.xo.addApiMethod('demo.inspect', async function (this: unknown) {
        const xo = harness.xo
        const task = await xo.tasks.list({ filter: { status: 'pending' } }).next()
        seen = { self: this, user: xo.apiContext?.user, task: task.value?.properties }
      })
      assert.equal(await harness.call('demo.inspect', {}, { user: harness.user }), true)
      assert.equal(seen.self, harness.xo)
      assert.equal(seen.user, harness.user)
      assert.deepEqual(
        { ...seen.task },
        { method: 'demo.inspect', params: {}, name: 'API call: demo.inspect', objectId: undefined, userId: harness.user.id, type: 'api.call' }
      )
    })

    it('clears the task log of a successful call and keeps the failed one, with obfuscated params', async () => {
      harness.xo.addApiMethod('demo.ok', () => 1)
      harness.xo.addApiMethod('demo.fail', () => {
        throw new Error('boom')
      })
      await harness.call('demo.ok')
      await assert.rejects(harness.call('demo.fail', { password: 'secret' }), /boom/)
      await new Promise(setImmediate)
      const logs = []
      for await (const log of harness.xo.tasks.list()) logs.push(log)
      assert.deepEqual(
        logs.map(log => [log.properties.name, log.status, log.properties.params]),
        [['API call: demo.fail', 'failure', { password: '* obfuscated *' }]]
      )
    })

    it('turns XAPI error codes into XO errors', async () => {
      putHost(harness, 'h1')
      harness.xo.addApiMethod('demo.xapi', () => {
        throw Object.assign(new Error('HOST_OFFLINE(OpaqueRef:h1)'), { code: 'HOST_OFFLINE', params: ['OpaqueRef:h1'] })
      })
      await assert.rejects(harness.call('demo.xapi'), { code: 18, data: { objectId: 'h1' } })
    })

    it('returns what a JSON-RPC client receives', async () => {
      harness.xo.addApiMethod('demo.rich', () => ({ when: new Date(0), missing: undefined, set: new Set([1]) }))
      assert.deepEqual(await harness.call('demo.rich'), { when: '1970-01-01T00:00:00.000Z', set: {} })
    })

    it('emits xo:postCall with the result', async () => {
      const calls: any[] = []
      harness.xo.on('xo:postCall', data => calls.push(data))
      harness.xo.addApiMethod('demo.value', () => 42)
      await harness.call('demo.value')
      assert.equal(calls.length, 1)
      assert.equal(calls[0].method, 'demo.value')
      assert.equal(calls[0].result, 42)
      assert.equal(calls[0].userId, harness.admin.id)
    })

    it('lists methods with their signatures without authentication (system.getMethodsInfo)', async () => {
      harness.xo.addApiMethod('demo.signed', () => 1, { description: 'd', params: { a: { type: 'string' } }, permission: 'admin' })
      const info = await harness.call('system.getMethodsInfo', {}, { user: null })
      assert.deepEqual(info['demo.signed'], { description: 'd', params: { a: { type: 'string' } }, permission: 'admin' })
    })
  })
})
