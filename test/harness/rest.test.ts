import assert from 'node:assert/strict'

import * as errors from './errors'
import { createHarness, type Harness } from './index'
import type { RouteDefinition } from './rest'

const BASE = '/rest/v0/plugins/fake'

describe('harness: REST routes registered by a plugin', () => {
  let harness: Harness
  let unregister: () => void
  let calls: any[]

  const routes: RouteDefinition[] = [
    {
      method: 'get',
      endpoint: 'hosts/{id}/state',
      params: { id: { type: 'string' } },
      query: { verbose: { type: 'boolean', optional: true }, depth: { type: 'number', optional: true } },
      callback: ({ req, restApi }) => {
        calls.push({ params: req.params, query: req.query, user: restApi.getCurrentUser() })
        return { id: req.params.id, verbose: req.query.verbose ?? false }
      },
    },
    {
      method: 'post',
      endpoint: 'hosts/{id}/actions/apply',
      middlewares: [{ name: 'json' }, { name: 'acl', acls: { resource: 'host', action: 'restart-toolstack', objectId: 'params.id' } }],
      body: { value: { type: 'enum', enum: ['a', 'b'] }, force: { type: 'boolean', optional: true } },
      callback: ({ req, createAction }) =>
        createAction(
          async task => {
            task.set('progress', 50)
            if (req.body.value === 'b') throw new Error('b is refused')
            return { applied: req.body.value }
          },
          { sync: req.query.sync === 'true', statusCode: 201, taskProperties: { name: 'apply', objectId: req.params.id } }
        ),
    },
    { method: 'delete', endpoint: 'nothing', callback: () => undefined },
    { method: 'get', endpoint: 'list', callback: () => new Set([1, 2]) },
    { method: 'get', endpoint: 'public', security: 'none', callback: () => 'open' },
    {
      method: 'get',
      endpoint: 'fail/{kind}',
      callback: ({ req }) => {
        const kind = req.params.kind
        if (kind === 'missing') errors.noSuchObject('x', 'host')
        if (kind === 'forbidden') errors.forbiddenOperation('restart', 'backup running')
        if (kind === 'state') errors.incorrectState({ actual: 'a', expected: 'b' })
        // What xo-server's newer xo-common throws (0.9.0 has no serviceUnavailable factory).
        if (kind === 'unavailable') throw Object.assign(new Error('service unavailable'), { code: 28, data: { serviceName: 'ssh' } })
        if (kind === 'invalid') errors.invalidParameters('bad')
        throw new Error('plain')
      },
    },
  ]

  beforeEach(async () => {
    harness = await createHarness()
    calls = []
    unregister = harness.xo.registerRestRoutes(routes, '/plugins/fake')
  })
  afterEach(() => harness.stop())

  it('serves {param} routes under /rest/v0 + base, with typed query values and the current user', async () => {
    const response = await harness.rest('get', `${BASE}/hosts/h1/state?verbose=true&depth=2`)
    assert.equal(response.status, 200)
    assert.deepEqual(response.body, { id: 'h1', verbose: true })
    assert.deepEqual(calls[0].query, { verbose: true, depth: 2 })
    assert.equal(calls[0].user.id, harness.admin.id)
  })

  it('refuses invalid query values with 422 invalidParameters and zod issues', async () => {
    const response = await harness.rest('get', `${BASE}/hosts/h1/state?depth=deep`)
    assert.equal(response.status, 422)
    assert.equal(response.body.error, 'invalid parameters')
    assert.equal(response.body.data.errors[0].path[0], 'depth')
    assert.equal(calls.length, 0)
  })

  it('asks for credentials (401) and refuses non-admins on routes without acl (403)', async () => {
    const anonymous = await harness.rest('get', `${BASE}/hosts/h1/state`, { user: null })
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.headers.get('www-authenticate'), 'Basic realm="xo"')
    assert.equal((await harness.rest('get', `${BASE}/hosts/h1/state`, { user: harness.user })).status, 403)
    assert.equal((await harness.rest('get', `${BASE}/public`, { user: null })).body, 'open')
  })

  it('accepts HTTP Basic credentials, and refuses two methods at once', async () => {
    const basic = 'Basic ' + Buffer.from('admin@admin.net:admin').toString('base64')
    assert.equal((await harness.rest('get', `${BASE}/list`, { user: null, headers: { authorization: basic } })).status, 200)
    assert.equal((await harness.rest('get', `${BASE}/list`, { headers: { authorization: basic } })).status, 400)
    const wrong = 'Basic ' + Buffer.from('admin@admin.net:nope').toString('base64')
    assert.equal((await harness.rest('get', `${BASE}/list`, { user: null, headers: { authorization: wrong } })).status, 401)
  })

  it('runs createAction as a task: 202 with its Location, then the task log', async () => {
    const response = await harness.rest('post', `${BASE}/hosts/h1/actions/apply`, { body: { value: 'a' } })
    assert.equal(response.status, 202)
    const location = response.headers.get('location')!
    assert.equal(location, `/rest/v0/tasks/${response.body.taskId}`)

    const refused = await harness.rest('get', `${location}?wait=result`)
    assert.equal(refused.status, 422, 'wait is a boolean in XO\'s REST API')
    assert.match(JSON.stringify(refused.body), /invalid boolean value/)
    const { status, body: log } = await harness.rest('get', `${location}?wait=true`)
    assert.equal(status, 200)
    assert.equal(log.status, 'success')
    assert.deepEqual(log.result, { applied: 'a' })
    assert.deepEqual(log.properties, {
      name: 'REST API: apply',
      objectId: 'h1',
      type: 'xo:rest-api:action',
      progress: 50,
      userId: harness.admin.id,
    })
  })

  it('returns the result of a sync action with its status code, and its failure as an error', async () => {
    const ok = await harness.rest('post', `${BASE}/hosts/h1/actions/apply?sync=true`, { body: { value: 'a' } })
    assert.equal(ok.status, 201)
    assert.deepEqual(ok.body, { applied: 'a' })
    const failed = await harness.rest('post', `${BASE}/hosts/h1/actions/apply?sync=true`, { body: { value: 'b' } })
    assert.equal(failed.status, 500)
    assert.equal(failed.body.error, 'b is refused')
  })

  it('validates the JSON body with zod', async () => {
    const response = await harness.rest('post', `${BASE}/hosts/h1/actions/apply`, { body: { value: 'c' } })
    assert.equal(response.status, 422)
    assert.equal(response.body.data.errors[0].path[0], 'value')
  })

  it('lets a non-admin through an acl middleware only with the privilege', async () => {
    const url = `${BASE}/hosts/h1/actions/apply?sync=true`
    assert.equal((await harness.rest('post', url, { user: harness.user, body: { value: 'a' } })).status, 403)
    const operator = { id: 'op', email: 'op@x', permission: 'none' as const, privileges: ['host:restart-toolstack:h1'] }
    harness.xo.users.add(operator, { password: 'p' })
    assert.equal((await harness.rest('post', url, { user: operator, body: { value: 'a' } })).status, 201)
    const other = `${BASE}/hosts/h2/actions/apply?sync=true`
    assert.equal((await harness.rest('post', other, { user: operator, body: { value: 'a' } })).status, 403)
  })

  it('answers 204 to undefined and a JSON array (or NDJSON) to iterables', async () => {
    assert.equal((await harness.rest('delete', `${BASE}/nothing`)).status, 204)
    assert.deepEqual((await harness.rest('get', `${BASE}/list`)).body, [1, 2])
    assert.equal((await harness.rest('get', `${BASE}/list?ndjson`)).body, '1\n2\n')
  })

  it('maps XO errors to HTTP statuses', async () => {
    const expected = { missing: 404, forbidden: 403, state: 409, unavailable: 503, invalid: 422, other: 500 }
    for (const [kind, status] of Object.entries(expected)) {
      const response = await harness.rest('get', `${BASE}/fail/${kind}`)
      assert.equal(response.status, status, kind)
    }
    const missing = await harness.rest('get', `${BASE}/fail/missing`)
    assert.deepEqual(missing.body, { error: 'no such host x', data: { id: 'x', type: 'host' } })
  })

  it('unregisters the routes', async () => {
    unregister()
    assert.equal((await harness.rest('get', `${BASE}/list`)).status, 404)
  })
})
