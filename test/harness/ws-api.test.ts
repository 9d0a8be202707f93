// xo-lib 0.9 (xo-cli's library) talking to the harness over its WebSocket JSON-RPC API.
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'

import { createHarness, waitUntil, type Harness } from './index'

interface XoClient extends EventEmitter {
  open(): Promise<void>
  close(): Promise<void>
  signIn(credentials: Record<string, string>): Promise<void>
  call(method: string, params?: Record<string, unknown>): Promise<any>
  readonly user: { id: string; email: string; permission: string } | null
}

// xo-lib 0.9 is an untyped CommonJS (Babel) module.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Xo = (require('xo-lib') as { default: new (options: { url: string }) => XoClient }).default

describe('harness: the WebSocket API with xo-lib', () => {
  let harness: Harness
  let client: XoClient

  beforeEach(async () => {
    harness = await createHarness()
    harness.xo.addApiMethods({
      demo: {
        echo: [({ text }: { text: string }) => text, { permission: 'admin', params: { text: { type: 'string' } } }],
        crash: [
          () => {
            throw new Error('internal detail')
          },
          {},
        ],
      },
    })
    client = new Xo({ url: harness.url })
    await client.open()
  })
  afterEach(async () => {
    await client.close()
    await harness.stop()
  })

  it('signs in with a password and calls methods with named params', async () => {
    await client.signIn({ email: 'admin@admin.net', password: 'admin' })
    assert.deepEqual(client.user, { id: harness.admin.id, email: 'admin@admin.net', permission: 'admin' })
    assert.equal(await client.call('demo.echo', { text: 'hi' }), 'hi')
  })

  it('signs in with a token', async () => {
    const { token } = harness.xo.users.credentialsOf(harness.user.id)
    await client.signIn({ token })
    assert.equal(client.user?.id, harness.user.id)
  })

  it('refuses wrong credentials', async () => {
    await assert.rejects(client.signIn({ email: 'admin@admin.net', password: 'nope' }), { code: 3 })
  })

  it('sends XO errors with their code and data', async () => {
    await assert.rejects(client.call('demo.echo', { text: 'x' }), { code: 2, message: 'not enough permissions' })
    await client.signIn({ email: 'admin@admin.net', password: 'admin' })
    await assert.rejects(client.call('demo.echo', {}), (error: any) => {
      assert.equal(error.code, 10)
      assert.equal(error.data.errors[0].keyword, 'required')
      return true
    })
    await assert.rejects(client.call('demo.nope'), { code: -32601 })
  })

  it('hides the message of a non-XO error from non-admins only', async () => {
    await client.signIn({ email: 'user@example.net', password: 'user' })
    await assert.rejects(client.call('demo.crash'), { code: -32000, message: 'unknown error from the peer' })

    const admin = new Xo({ url: harness.url })
    await admin.open()
    try {
      await admin.signIn({ email: 'admin@admin.net', password: 'admin' })
      await assert.rejects(admin.call('demo.crash'), { code: -32000, message: 'internal detail' })
    } finally {
      await admin.close()
    }
  })

  it('lists methods like xo-cli list-commands, without signing in', async () => {
    const methods = await client.call('system.getMethodsInfo')
    assert.deepEqual(methods['demo.echo'], { params: { text: { type: 'string' } }, permission: 'admin' })
  })

  it('notifies signed-in clients of object changes', async () => {
    await client.signIn({ email: 'admin@admin.net', password: 'admin' })
    const notifications: any[] = []
    client.on('notification', notification => notifications.push(notification))
    const host = Object.freeze({ id: 'h1', type: 'host', $pool: 'p', $poolId: 'p', _xapiRef: 'OpaqueRef:h1' })
    harness.xo.objects.set('h1', host)
    harness.xo.objects.unset('h1')
    await waitUntil(() => (notifications.length === 2 ? true : undefined), 2000, () => 'two notifications')
    assert.deepEqual(
      notifications.map(({ method, params }) => [method, params]),
      [
        ['all', { type: 'enter', items: { h1: host } }],
        ['all', { type: 'exit', items: { h1: 0 } }],
      ]
    )
  })
})
